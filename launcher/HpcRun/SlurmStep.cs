using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using HpcMsg.Internal;

namespace HpcRun;

/// <summary>
/// hpcrun's ranks in a Slurm allocation: ONE step, <c>srun --overlap -N k -n k --ntasks-per-node=1</c>
/// over the job's nodes, runs a node agent (<c>hpcrun --slurm-node-agent</c>) on each, as MPICH's Hydra
/// runs its proxies; the agents start the ranks. Slurm, not ssh, reaches the nodes, so the ranks are in
/// the allocation's cgroups and accounting, and Slurm cleans up after them. srun brings the agents'
/// output back: rank output is passed on, and the agents' reports (<see cref="SlurmAgentReport"/>) give
/// each rank's exit code. A rank the step ended without a report (an agent killed, the step cancelled)
/// counts as exited with srun's exit code.
/// </summary>
internal sealed class SlurmStep : IDisposable
{
    /// <summary>After srun has exited, how long its last output may take to be read.</summary>
    private static readonly TimeSpan FinalReportGrace = TimeSpan.FromSeconds(3);

    /// <summary>After the last rank's report, how long the agents and srun may take to end by themselves.</summary>
    private static readonly TimeSpan AgentsEndGrace = TimeSpan.FromSeconds(10);

    /// <summary>srun's warning where the cluster has no CPU binding plugin: --cpu-bind=none asks for
    /// nothing that is missing, so it is not passed on.</summary>
    private static readonly byte[] NoBindingWarning = "srun: cluster configuration lacks support for cpu binding"u8.ToArray();

    private readonly Process _srun;
    private readonly SlurmRank[] _ranks;
    private readonly OutputSink _sink;
    private readonly string _description;
    private readonly string _jobId;
    private Task _stdout = Task.CompletedTask;
    private Task _stderr = Task.CompletedTask;
    private int _terminated;
    private volatile string? _stepId;

    private SlurmStep(Process srun, JobPlan plan, OutputSink sink, string description, string jobId)
    {
        _srun = srun;
        _sink = sink;
        _description = description;
        _jobId = jobId;
        var launch = plan.Nodes.SelectMany(n => Enumerable.Range(n.FirstRank, n.RankCount).Select(r => (Rank: r, n.Host)));
        _ranks = [.. launch.OrderBy(x => x.Rank).Select(x => new SlurmRank(this, new RankLaunch(x.Rank, x.Host, "srun", [], [], description, null)))];
    }

    public IReadOnlyList<IRankProcess> Ranks => _ranks;

    /// <summary>The srun command line for the job's nodes (the agent's command appended).</summary>
    public static List<string> SrunArguments(string jobId, IReadOnlyList<JobNode> nodes, IReadOnlyList<string> agentCommand)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(agentCommand);
        string k = nodes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return
        [
            // --overlap: the step shares the allocation's CPUs with any other step (the batch script's own,
            // a user's), instead of waiting for them forever; --whole: the agent, and so its ranks, may use
            // all of the node's allocated CPUs, not the one CPU of its task; --cpu-bind=none: not pinned to it.
            "--overlap", "--whole", "--cpu-bind=none", $"--jobid={jobId}",
            "-N", k, "-n", k, "--ntasks-per-node=1", $"--nodelist={string.Join(',', nodes.Select(n => n.Host))}",
            // The agents speak no PMI; rank 0's agent reads hpcrun's stdin, the others none; one rank's
            // failure is hpcrun's to handle, not srun's.
            "--mpi=none", "--input=0", "--kill-on-bad-exit=0", "--job-name=hpcrun",
            .. agentCommand,
        ];
    }

    /// <summary>How this machine runs hpcrun again: the same dotnet host and HpcRun.dll, or the same apphost
    /// or Native AOT executable (the path must be the same on the nodes: a shared file system, as for the
    /// program itself). The dll is found by AppContext.BaseDirectory, not Assembly.Location, which is
    /// empty in a Native AOT or single-file hpcrun.</summary>
    public static IReadOnlyList<string> AgentCommand()
    {
        string process = Environment.ProcessPath ?? throw new LauncherException("cannot tell which program runs hpcrun");
        string dll = Path.Combine(AppContext.BaseDirectory, "HpcRun.dll");
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && File.Exists(dll)
            ? [process, dll, SlurmNodeAgent.Flag]
            : [process, SlurmNodeAgent.Flag];
    }

    public static SlurmStep Start(JobPlan plan, LauncherOptions options, LaunchCommand command, OutputSink sink, Action<IRankProcess> onExit)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        string jobId = options.Slurm!.JobId;
        List<string> args = SrunArguments(jobId, plan.Nodes, AgentCommand());
        var psi = new ProcessStartInfo("srun")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment[SlurmAgentPlan.PlanVar] = SlurmAgentPlan.For(plan, options, command).Encode();
        psi.Environment[SlurmAgentPlan.SecretVar] = plan.Network!.SecretHex;
        string description = "srun " + string.Join(' ', args.Select(ShellWords.Quote));
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var step = new SlurmStep(process, plan, sink, description, jobId);
        foreach (SlurmRank r in step._ranks) r.OnExit = onExit;
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new LauncherException($"cannot start the ranks through srun (inside the Slurm allocation {jobId}): {e.Message}");
        }
        step._stdout = OutputForwarder.Start(process.StandardOutput.BaseStream, sink, toStderr: false, prefix: null);
        step._stderr = Task.Run(() => step.ReadReports(process.StandardError.BaseStream));
        process.Exited += (_, _) => step.OnSrunExited();
        return step;
    }

    /// <summary>srun's stderr: the agents' reports are acted on, every other line passed on.</summary>
    private void ReadReports(Stream stderr)
    {
        var line = new List<byte>(256);
        byte[] buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int n = stderr.Read(buffer);
                if (n == 0) break;
                for (int i = 0; i < n; i++)
                {
                    line.Add(buffer[i]);
                    if (buffer[i] == (byte)'\n' || line.Count >= 64 * 1024) Dispatch(line);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        if (line.Count > 0)
        {
            line.Add((byte)'\n');
            Dispatch(line);
        }
    }

    private void Dispatch(List<byte> line)
    {
        byte[] bytes = [.. line];
        line.Clear();
        SlurmAgentReport.Report? report = bytes.Length > 0 && bytes[0] == SlurmAgentReport.Mark
            ? SlurmAgentReport.Parse(Encoding.UTF8.GetString(bytes).TrimEnd('\n'))
            : null;
        switch (report)
        {
            case SlurmAgentReport.Exited e when e.Rank >= 0 && e.Rank < _ranks.Length:
                _ranks[e.Rank].SetExited(e.Code);
                break;
            case SlurmAgentReport.InStep s:
                _stepId = s.StepId;
                break;
            case SlurmAgentReport.Failed f:
                _sink.Error($"hpcrun: {f.Message}");
                break;
            default:
                if (!bytes.AsSpan().StartsWith(NoBindingWarning)) _sink.Write(toStderr: true, bytes);
                break;
        }
    }

    private void OnSrunExited()
    {
        Task.WaitAll([_stdout, _stderr], FinalReportGrace);
        int code = _srun.ExitCode;
        // A rank without a report did not end by itself: its agent was killed or could not start it.
        var unreported = _ranks.Where(r => !r.HasExited).ToList();
        if (unreported.Count > 0 && Volatile.Read(ref _terminated) == 0)
            _sink.Error($"hpcrun: the srun step ended (exit code {code}) before it reported on rank(s) " +
                        $"{string.Join(',', unreported.Select(r => r.Rank))}; srun's own messages above say why ({_description})");
        foreach (SlurmRank r in unreported) r.SetExited(code != 0 ? code : ExitCodes.LauncherFailure);
    }

    /// <summary>SIGTERM to every process of the step through Slurm (<c>scancel --signal=TERM job.step</c>):
    /// the ranks may run their exit handlers, and the agents stop what is left. srun itself would answer a
    /// SIGTERM by having the step killed at once, so it gets one only while the step is not known yet.</summary>
    private void Terminate()
    {
        if (Interlocked.Exchange(ref _terminated, 1) != 0 || _srun.HasExited) return;
        if (!Signal("TERM")) Native.kill(_srun.Id, Native.SigTerm);
    }

    /// <summary>SIGKILL to every process of the step, through Slurm, then to srun.</summary>
    private void Kill()
    {
        if (_srun.HasExited) return;
        Signal("KILL");
        try
        {
            _srun.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary><c>scancel --signal=NAME job.step</c>; false when the step is not known or scancel failed.</summary>
    private bool Signal(string name)
    {
        if (_stepId is not string step) return false;
        try
        {
            using var scancel = Process.Start(new ProcessStartInfo("scancel", [$"--signal={name}", step]) { UseShellExecute = false });
            if (scancel is null) return false;
            if (!scancel.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                scancel.Kill();
                return false;
            }
            return scancel.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }

    public void Dispose()
    {
        // Once every rank has ended the agents end too, and srun with them: give it that time rather than
        // have srun report the step as aborted.
        if (_ranks.All(r => r.HasExited)) _srun.WaitForExit(AgentsEndGrace);
        if (!_srun.HasExited)
        {
            Terminate();
            if (!_srun.WaitForExit(TimeSpan.FromSeconds(5))) Kill();
        }
        _srun.WaitForExit(TimeSpan.FromSeconds(5));
        _srun.Dispose();
    }

    /// <summary>One rank of the step, as the job runner sees it.</summary>
    private sealed class SlurmRank(SlurmStep step, RankLaunch launch) : IRankProcess
    {
        private readonly ManualResetEventSlim _exited = new();
        private int _code;
        private int _set;

        public Action<IRankProcess>? OnExit { get; set; }

        public RankLaunch Launch { get; } = launch;

        public int Rank => Launch.Rank;

        public string Host => Launch.Host;

        public bool HasExited => _exited.IsSet;

        public int ExitCode => Volatile.Read(ref _code);

        /// <summary>The agent reports a rank's exit after its output, and all of it comes through one pipe.</summary>
        public Task OutputDrained => Task.CompletedTask;

        public void SetExited(int code)
        {
            if (Interlocked.Exchange(ref _set, 1) != 0) return;
            Volatile.Write(ref _code, code);
            _exited.Set();
            OnExit?.Invoke(this);
        }

        public void Terminate() => step.Terminate();

        public void Kill() => step.Kill();

        public bool WaitForExit(TimeSpan timeout) => _exited.Wait(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout);

        public void Dispose() => _exited.Dispose();
    }
}
