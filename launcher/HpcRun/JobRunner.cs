using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HpcMsg.Bootstrap;
using HpcMsg.Transports.Shm;

namespace HpcRun;

/// <summary>
/// Runs one job: on this host it creates the shared segment; over several hosts it opens the rendezvous
/// and starts remote ranks through the launch agent. It watches the ranks and tears the whole job down
/// at the first failure, time-out or signal. Nothing it started outlives it, on any host.
/// </summary>
internal sealed class JobRunner
{
    /// <summary>How long SIGTERM has to work before SIGKILL.</summary>
    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(2);

    /// <summary>A failed rank's last words should precede hpcrun's verdict, but a grandchild holding the
    /// pipe open must not delay the teardown.</summary>
    private static readonly TimeSpan FailedRankOutputGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// After a rank fails, how long the others have to end by themselves before they are stopped. The
    /// library raises RankFailedException or JobAbortedException in their blocked calls (MPI's
    /// semantics: the error is returned to the caller), and a program that catches it may report it
    /// and finalize; stopping them at once would kill them before they could. Ranks that end sooner
    /// end the wait; ranks that do not (computing, or ignoring the error) are stopped after it.
    /// </summary>
    private static readonly TimeSpan SurvivorGrace = TimeSpan.FromSeconds(3);

    /// <summary>In a job over several hosts: how long to wait for a failed rank's rendezvous connection
    /// to close, so that an abort it announced there is known before the others are told.</summary>
    private static readonly TimeSpan AbortWordWait = TimeSpan.FromMilliseconds(500);

    /// <summary>Bound on waiting for output after every rank is gone (a grandchild may hold a pipe).</summary>
    private static readonly TimeSpan FinalOutputGrace = TimeSpan.FromSeconds(5);

    /// <summary>The exit code an agent such as ssh uses when it cannot reach the host.</summary>
    private const int AgentConnectionFailure = 255;

    private abstract record JobEvent;
    private sealed record RankExited(IRankProcess Rank) : JobEvent;
    private sealed record SignalReceived : JobEvent;
    private sealed record TimedOut : JobEvent;
    private sealed record AllSucceeded : JobEvent;

    private readonly LauncherOptions _options;
    private readonly LaunchCommand _command;
    private readonly ShutdownSignals _signals;
    private readonly OutputSink _sink;
    private readonly BlockingCollection<JobEvent> _events = new();
    private readonly List<IRankProcess> _ranks = [];
    private SlurmStep? _slurmStep;

    public JobRunner(LauncherOptions options, LaunchCommand command, ShutdownSignals signals, OutputSink sink)
    {
        _options = options;
        _command = command;
        _signals = signals;
        _sink = sink;
    }

    /// <summary>Runs the job to its end and returns hpcrun's exit code. Call on the main thread.</summary>
    public int Run()
    {
        IReadOnlyList<LocalInterface> interfaces = _options.Placement is null ? [] : LocalInterfaces.Snapshot();
        IReadOnlyList<JobNode> nodes = JobPlan.NodesFor(_options, HostLocality.ForThisMachine(interfaces), Environment.ProcessorCount);
        string jobId = JobIdentity.NewId();
        string? shmPath = null;
        RendezvousServer? rendezvous = null;
        JobPlan? plan = null;
        try
        {
            NetworkSettings? network = null;
            if (JobPlan.NeedsNetwork(nodes))
            {
                IPAddress address = ListenAddress(nodes, interfaces);
                byte[] secret = JobSecret.Create();
                rendezvous = OpenRendezvous(address, secret);
                network = new NetworkSettings(rendezvous.Endpoint, JobSecret.ToText(secret), address, _options.Iface);
                if (nodes.Count > 1) _sink.Error($"hpcrun: {RankPlacement.Describe(_options.Placement!)}");
            }
            else if (_options.Np > 1)
            {
                // Created before any rank starts, so every rank can open it, and owned by hpcrun, so that
                // it is removed whatever happens to the ranks.
                (jobId, shmPath) = JobSegment.Create(_options.Np);
            }
            plan = new JobPlan(jobId, nodes, Environment.ProcessId, shmPath, network);

            using var onSignal = _signals.Token.Register(() => _events.Add(new SignalReceived()));
            using var timer = ArmTimeout();
            StartRanks(plan);
            return Conclude(WaitForEnd(shmPath, rendezvous), shmPath, rendezvous);
        }
        finally
        {
            StopAll();
            // Ranks on other hosts lose their connection to the job and exit.
            rendezvous?.Dispose();
            if (shmPath is not null) ShmSegment.Remove(shmPath);
            // In a Slurm allocation each node agent removes its node's segment, and Slurm ends the step.
            _slurmStep?.Dispose();
            if (plan is { IsDistributed: true } && !_options.InSlurmAllocation) NodeCleanup.Run(plan, _options.LaunchAgent, _sink, MayHaveRun);
            foreach (var r in _ranks) r.Dispose();
        }
    }

    /// <summary>False for a host on which no rank was started, or whose agent said it could not get there.</summary>
    private bool MayHaveRun(JobNode node)
    {
        var started = _ranks.Where(r => node.Contains(r.Rank)).ToList();
        return started.Count > 0 && !started.Any(IsAgentConnectionFailure);
    }

    /// <summary>The address the rendezvous listens on: --iface's; in a Slurm allocation, the one on the
    /// route to its nodes (whose names need not resolve here); else the first non-loopback one.</summary>
    private IPAddress ListenAddress(IReadOnlyList<JobNode> nodes, IReadOnlyList<LocalInterface> interfaces)
    {
        if (_options.InSlurmAllocation && _options.Iface is null
            && SlurmRoute.LocalAddressToward([.. nodes.Select(n => n.Host)]) is IPAddress towardNodes)
            return towardNodes;
        return InterfaceResolver.Resolve(_options.Iface, nodes.All(n => n.IsLocal), interfaces);
    }

    private static bool IsAgentConnectionFailure(IRankProcess rank) =>
        rank.Launch.ThroughAgent && rank.HasExited && rank.ExitCode == AgentConnectionFailure;

    private RendezvousServer OpenRendezvous(IPAddress address, byte[] secret)
    {
        try
        {
            return new RendezvousServer(address, _options.Np, secret, _sink.Error);
        }
        catch (SocketException e)
        {
            throw new LauncherException($"cannot listen on {address} for the job's rendezvous: {e.Message}");
        }
    }

    private Timer? ArmTimeout()
    {
        if (_options.TimeoutSeconds is not double seconds) return null;
        return new Timer(_ => _events.Add(new TimedOut()), null, TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);
    }

    private void StartRanks(JobPlan plan)
    {
        ulong[]? originalMask = _options.BindTo == BindMode.Core ? CpuAffinity.GetCurrentThreadMask() : null;
        IReadOnlyList<int> cpus = originalMask is null ? [] : CpuAffinity.CpusIn(originalMask);
        if (_options.BindTo == BindMode.Core && cpus.Count == 0)
            throw new LauncherException("--bind-to core: cannot read this process's CPU affinity");
        try
        {
            if (_options.InSlurmAllocation && plan.IsDistributed)
            {
                // One srun step starts every node's ranks (hpcrun starts none itself).
                _slurmStep = SlurmStep.Start(plan, _options, _command, _sink, r => _events.Add(new RankExited(r)));
                _ranks.AddRange(_slurmStep.Ranks);
                return;
            }
            int localIndex = 0;
            for (int rank = 0; rank < _options.Np; rank++)
            {
                // A Ctrl-C during a long start-up must not go on starting ranks.
                if (_signals.Token.IsCancellationRequested) return;
                JobNode node = plan.NodeOf(rank);
                var env = RankEnvironment.For(rank, _options, plan);
                RankLaunch launch;
                if (node.IsLocal)
                {
                    if (cpus.Count > 0) CpuAffinity.SetCurrentThreadMask(CpuAffinity.SingleCpu(cpus[localIndex++ % cpus.Count]));
                    launch = RankLaunch.Local(rank, node.Host, _command, env);
                }
                else
                {
                    // Binding is for this host's cores; an agent (and a rank it starts here) runs unpinned.
                    if (originalMask is not null) CpuAffinity.SetCurrentThreadMask(originalMask);
                    launch = RankLaunch.Remote(rank, node.Host, _options.LaunchAgent, _command, env, plan.Network!.SecretHex);
                }
                _ranks.Add(RankProcess.Start(launch, _sink, _options.TagOutput, r => _events.Add(new RankExited(r))));
            }
        }
        finally
        {
            if (originalMask is not null) CpuAffinity.SetCurrentThreadMask(originalMask);
        }
    }

    /// <summary>Blocks until the job is decided: every rank succeeded, one failed, a signal, or the time-out.</summary>
    private JobEvent WaitForEnd(string? shmPath, RendezvousServer? rendezvous)
    {
        int running = _ranks.Count;
        if (running == 0) return _signals.Token.IsCancellationRequested ? new SignalReceived() : new AllSucceeded();
        while (true)
        {
            JobEvent e = _events.Take();
            if (e is not RankExited exited) return e;
            // A terminal's Ctrl-C reaches the ranks too; the signal, not their deaths, is the cause.
            if (_signals.Token.IsCancellationRequested) return new SignalReceived();
            if (exited.Rank.ExitCode != 0) return e;
            // Exit code 0 after Init but without finalize still strands the ranks waiting for this one.
            if (shmPath is not null && ShmSegment.JoinedButNotFinalized(shmPath, exited.Rank.Rank)) return e;
            // Abort(0) ends the job too, with code 0: a rank alone on its host has no segment that says
            // so, but it told hpcrun over its rendezvous connection before it exited.
            if (rendezvous?.AbortCodeOf(exited.Rank.Rank, AbortWordWait) is not null) return e;
            if (--running == 0) return new AllSucceeded();
        }
    }

    private int Conclude(JobEvent ending, string? shmPath, RendezvousServer? rendezvous)
    {
        int code;
        switch (ending)
        {
            case AllSucceeded:
                code = ExitCodes.Success;
                break;
            case RankExited { Rank: var failed }:
                bool unfinalized = failed.ExitCode == 0;
                code = unfinalized ? ExitCodes.ExitedWithoutFinalize : failed.ExitCode;
                // First, so that ranks blocked on the dead one throw now rather than after our teardown.
                JobEnding? recorded = shmPath is null ? null : JobSegment.MarkRankFailed(shmPath, failed.Rank, code);
                if (rendezvous is not null)
                {
                    // Over several hosts every rank hears it through its rendezvous connection (a
                    // rank alone on its host has no segment that could tell it).
                    if (rendezvous.AbortCodeOf(failed.Rank, AbortWordWait) is int abortCode)
                        recorded = new JobEnding(ShmLayout.JobAborted, failed.Rank, abortCode);
                    rendezvous.AnnounceJobEnding(new JobEndWord(recorded is { IsAbort: true }, recorded?.Rank ?? failed.Rank, recorded?.ExitCode ?? code));
                }
                failed.OutputDrained.Wait(FailedRankOutputGrace);
                string verdict = unfinalized
                    ? $"rank {failed.Rank} on host {failed.Host} exited with code 0 without finalizing (it called Communicator.Init but never disposed the world communicator)"
                    : IsAgentConnectionFailure(failed)
                    ? $"cannot start rank {failed.Rank} on host {failed.Host} through '{failed.Launch.Agent}': the launch agent exited with code {code} (for ssh: the host cannot be reached)"
                    : $"rank {failed.Rank} on host {failed.Host} {ExitStatus.Describe(code)}";
                // The abort's code, 0 included (API.md: hpcrun exits with errorCode).
                if (recorded is { IsAbort: true })
                {
                    code = recorded.ExitCode;
                    verdict = $"rank {recorded.Rank} on host {failed.Host} aborted the job with code {code}";
                }
                _sink.Error($"hpcrun: {verdict}; stopping the job");
                WaitForSurvivors();
                break;
            case TimedOut:
                code = ExitCodes.TimedOut;
                _sink.Error($"hpcrun: job timed out after {_options.TimeoutSeconds!.Value.ToString(CultureInfo.InvariantCulture)} s");
                break;
            default:
                code = _signals.ExitCode;
                _sink.Error($"hpcrun: received {_signals.SignalName}; stopping the job");
                break;
        }
        StopAll();
        Task.WaitAll(_ranks.Select(r => r.OutputDrained).ToArray(), FinalOutputGrace);
        return code;
    }

    /// <summary>Gives the surviving ranks <see cref="SurvivorGrace"/> to catch the failure and end by
    /// themselves; a signal to hpcrun cuts it short.</summary>
    private void WaitForSurvivors()
    {
        DateTime deadline = DateTime.UtcNow + SurvivorGrace;
        while (DateTime.UtcNow < deadline && !_signals.Token.IsCancellationRequested)
        {
            IRankProcess? alive = _ranks.FirstOrDefault(r => !r.HasExited);
            if (alive is null) return;
            alive.WaitForExit(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>SIGTERM to every live rank, SIGKILL to those still alive after the grace period.</summary>
    private void StopAll()
    {
        var alive = _ranks.Where(r => !r.HasExited).ToList();
        if (alive.Count == 0) return;
        foreach (var r in alive) r.Terminate();
        DateTime deadline = DateTime.UtcNow + TerminateGrace;
        foreach (var r in alive) r.WaitForExit(deadline - DateTime.UtcNow);
        foreach (var r in alive.Where(r => !r.HasExited)) r.Kill();
        foreach (var r in alive) r.WaitForExit(TerminateGrace);
    }
}
