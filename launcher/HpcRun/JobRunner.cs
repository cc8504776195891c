using System.Collections.Concurrent;
using System.Globalization;
using HpcMsg.Transports.Shm;

namespace HpcRun;

/// <summary>
/// Runs one job on this host: creates the shared segment, starts the ranks, watches them, and tears the
/// whole job down at the first failure, time-out or signal. Nothing it started outlives it.
/// </summary>
internal sealed class JobRunner
{
    /// <summary>How long SIGTERM has to work before SIGKILL.</summary>
    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(2);

    /// <summary>A failed rank's last words should precede hpcrun's verdict, but a grandchild holding the
    /// pipe open must not delay the teardown.</summary>
    private static readonly TimeSpan FailedRankOutputGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>Bound on waiting for output after every rank is gone (a grandchild may hold a pipe).</summary>
    private static readonly TimeSpan FinalOutputGrace = TimeSpan.FromSeconds(5);

    private abstract record JobEvent;
    private sealed record RankExited(RankProcess Rank) : JobEvent;
    private sealed record SignalReceived : JobEvent;
    private sealed record TimedOut : JobEvent;
    private sealed record AllSucceeded : JobEvent;

    private readonly LauncherOptions _options;
    private readonly LaunchCommand _command;
    private readonly ShutdownSignals _signals;
    private readonly OutputSink _sink;
    private readonly BlockingCollection<JobEvent> _events = new();
    private readonly List<RankProcess> _ranks = [];

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
        string jobId = JobIdentity.NewId();
        string? shmPath = null;
        try
        {
            // Created before any rank starts, so every rank can open it, and owned by hpcrun, so that
            // it is removed whatever happens to the ranks.
            if (_options.Np > 1) (jobId, shmPath) = JobSegment.Create(_options.Np);

            using var onSignal = _signals.Token.Register(() => _events.Add(new SignalReceived()));
            using var timer = ArmTimeout();
            StartRanks(jobId, shmPath);
            return Conclude(WaitForEnd(shmPath), shmPath);
        }
        finally
        {
            StopAll();
            if (shmPath is not null) ShmSegment.Remove(shmPath);
            foreach (var r in _ranks) r.Dispose();
        }
    }

    private Timer? ArmTimeout()
    {
        if (_options.TimeoutSeconds is not double seconds) return null;
        return new Timer(_ => _events.Add(new TimedOut()), null, TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);
    }

    private void StartRanks(string jobId, string? shmPath)
    {
        ulong[]? originalMask = _options.BindTo == BindMode.Core ? CpuAffinity.GetCurrentThreadMask() : null;
        IReadOnlyList<int> cpus = originalMask is null ? [] : CpuAffinity.CpusIn(originalMask);
        if (_options.BindTo == BindMode.Core && cpus.Count == 0)
            throw new LauncherException("--bind-to core: cannot read this process's CPU affinity");
        try
        {
            for (int rank = 0; rank < _options.Np; rank++)
            {
                // A Ctrl-C during a long start-up must not go on starting ranks.
                if (_signals.Token.IsCancellationRequested) return;
                if (cpus.Count > 0) CpuAffinity.SetCurrentThreadMask(CpuAffinity.SingleCpu(cpus[rank % cpus.Count]));
                var env = RankEnvironment.For(rank, _options, jobId, shmPath, Environment.ProcessId);
                _ranks.Add(RankProcess.Start(rank, _command, env, _sink, _options.TagOutput,
                    r => _events.Add(new RankExited(r))));
            }
        }
        finally
        {
            if (originalMask is not null) CpuAffinity.SetCurrentThreadMask(originalMask);
        }
    }

    /// <summary>Blocks until the job is decided: every rank succeeded, one failed, a signal, or the time-out.</summary>
    private JobEvent WaitForEnd(string? shmPath)
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
            if (--running == 0) return new AllSucceeded();
        }
    }

    private int Conclude(JobEvent ending, string? shmPath)
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
                failed.OutputDrained.Wait(FailedRankOutputGrace);
                string verdict = unfinalized
                    ? $"rank {failed.Rank} on host {Environment.MachineName} exited with code 0 without finalizing (it called Communicator.Init but never disposed the world communicator)"
                    : $"rank {failed.Rank} on host {Environment.MachineName} {ExitStatus.Describe(code)}";
                if (recorded is { IsAbort: true } && recorded.ExitCode != 0)
                {
                    code = recorded.ExitCode;
                    verdict = $"rank {recorded.Rank} on host {Environment.MachineName} aborted the job with code {code}";
                }
                _sink.Error($"hpcrun: {verdict}; stopping the job");
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
