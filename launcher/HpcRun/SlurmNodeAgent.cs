using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using HpcMsg.Bootstrap;
using HpcMsg.Transports.Shm;

namespace HpcRun;

/// <summary>
/// hpcrun's remote side in a Slurm allocation: <c>hpcrun --slurm-node-agent</c>, one task per node of the
/// srun step that hpcrun starts. It finds its node (SLURMD_NODENAME, else SLURM_NODEID) in the plan that
/// hpcrun put in the step's environment, starts that node's ranks with the job's variables, writes their
/// output on its own stdout and stderr (srun passes it to hpcrun), reports each rank's exit code, and
/// ends when its ranks have. SIGTERM (srun passes hpcrun's on) stops the ranks: SIGTERM, then SIGKILL.
/// It removes its node's segment file at the end. Slurm tracks it and every rank it starts, so a step
/// that Slurm cancels takes all of them.
/// </summary>
internal static class SlurmNodeAgent
{
    public const string Flag = "--slurm-node-agent";

    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long a rank's last output may take to arrive before its exit is reported anyway.</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    /// <summary>Step and task variables of the agent's own step, which are not the ranks' business: a rank
    /// that saw SLURM_NTASKS of this step without PMI would think srun started it without --mpi=pmi2.</summary>
    private static readonly string[] StepVariablePrefixes = ["PMI_", "PMIX_", "SLURM_STEP_", "SLURM_SRUN_COMM_"];

    private static readonly string[] StepVariables =
    [
        "SLURM_NTASKS", "SLURM_NPROCS", "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NODEID", "SLURM_GTIDS", "SLURM_TASK_PID",
        "SLURM_STEPID", "SLURM_MPI_TYPE", "SLURM_TASKS_PER_NODE", "SLURM_NTASKS_PER_NODE", "SLURM_CPUS_PER_TASK",
        "SLURM_LAUNCH_NODE_IPADDR", "SLURM_DISTRIBUTION", "SLURM_CPU_BIND", "SLURM_CPU_BIND_LIST", "SLURM_CPU_BIND_TYPE",
        "SLURM_CPU_BIND_VERBOSE", "SLURM_UMASK", "SLURM_OVERLAP", "SLURM_WHOLE",
    ];

    public static int Run()
    {
        using var sink = new OutputSink();
        using var signals = new ShutdownSignals();
        try
        {
            return RunAgent(sink, signals);
        }
        catch (Exception e) when (e is LauncherException or FormatException)
        {
            sink.Write(toStderr: true, SlurmAgentReport.Failure($"hpcrun node agent on {Environment.MachineName}: {e.Message}"));
            return ExitCodes.LauncherFailure;
        }
    }

    private static int RunAgent(OutputSink sink, ShutdownSignals signals)
    {
        string planText = HpcMsg.Configuration.Parameters.SlurmAgentPlan.Read()
            ?? throw new LauncherException($"{SlurmAgentPlan.PlanVar} is not set: the node agent is started by hpcrun inside a Slurm allocation");
        string secret = HpcMsg.Configuration.Parameters.SlurmAgentSecret.Read()
            ?? throw new LauncherException($"{SlurmAgentPlan.SecretVar} is not set");
        SlurmAgentPlan plan = SlurmAgentPlan.Decode(planText);
        JobNode node = FindNode(plan);
        if (Environment.GetEnvironmentVariable("SLURM_JOB_ID") is { } job && Environment.GetEnvironmentVariable("SLURM_STEP_ID") is { } step)
            sink.Write(toStderr: true, SlurmAgentReport.Step($"{job}.{step}"));

        var options = new LauncherOptions(plan.Size, plan.Size, false, plan.TagOutput, plan.Forwarded, null, BindMode.None,
            plan.Command.FileName, plan.Command.Arguments, Iface: plan.Iface);
        var jobPlan = new JobPlan(plan.JobId, plan.Nodes, 0, null, new NetworkSettings(plan.Rendezvous, secret, IPAddress.None, plan.Iface));
        var ranks = new List<RankProcess>();
        var exited = new BlockingCollection<RankProcess?>();
        var reported = new ConcurrentDictionary<int, bool>();
        using var onSignal = signals.Token.Register(() => exited.Add(null));
        try
        {
            for (int rank = node.FirstRank; rank < node.FirstRank + node.RankCount && !signals.Token.IsCancellationRequested; rank++)
            {
                var env = new List<KeyValuePair<string, string?>>(RankEnvironment.For(rank, options, jobPlan));
                Replace(env, JobEnvironment.SecretStdinVar, null);
                // This node's ranks are this agent's children, as a one-host job's are hpcrun's: the secret
                // goes in their environment, and they follow the agent's death (PR_SET_PDEATHSIG).
                Replace(env, JobEnvironment.SecretVar, secret);
                Replace(env, JobEnvironment.LauncherPidVar, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
                env.Add(new(SlurmAgentPlan.PlanVar, null));
                env.Add(new(SlurmAgentPlan.SecretVar, null));
                foreach (string name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
                    if (StepVariables.Contains(name) || StepVariablePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
                        env.Add(new(name, null));
                RankLaunch launch = RankLaunch.Local(rank, node.Host, plan.Command, env);
                ranks.Add(RankProcess.Start(launch, sink, plan.TagOutput, exited.Add));
            }

            int running = ranks.Count;
            bool stopping = signals.Token.IsCancellationRequested;
            if (stopping) Stop(ranks);
            while (running > 0)
            {
                if (!exited.TryTake(out RankProcess? r, stopping ? TerminateGrace : Timeout.InfiniteTimeSpan))
                {
                    foreach (RankProcess alive in ranks.Where(x => !x.HasExited)) alive.Kill();
                    continue;
                }
                if (r is null)
                {
                    // A signal: stop every rank; their exits still come through here.
                    if (!stopping) Stop(ranks);
                    stopping = true;
                    continue;
                }
                r.OutputDrained.Wait(OutputGrace);
                if (reported.TryAdd(r.Rank, true)) sink.Write(toStderr: true, SlurmAgentReport.Exit(r.Rank, r.ExitCode));
                running--;
            }
            return ExitCodes.Success;
        }
        finally
        {
            foreach (RankProcess r in ranks.Where(x => !x.HasExited)) r.Kill();
            ShmSegment.Remove(JobPlan.NodeSegmentPath(plan.JobId, node.Index));
            foreach (RankProcess r in ranks) r.Dispose();
        }
    }

    private static void Stop(List<RankProcess> ranks)
    {
        foreach (RankProcess r in ranks) r.Terminate();
    }

    private static JobNode FindNode(SlurmAgentPlan plan)
    {
        if (Environment.GetEnvironmentVariable("SLURMD_NODENAME") is { Length: > 0 } name)
            return plan.NodeNamed(name) ?? throw new LauncherException($"node {name} is not one of the job's nodes ({string.Join(',', plan.Nodes.Select(n => n.Host))})");
        if (int.TryParse(Environment.GetEnvironmentVariable("SLURM_NODEID"), NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id < plan.Nodes.Count)
            return plan.Nodes[id];
        return plan.NodeNamed(Environment.MachineName)
               ?? throw new LauncherException("neither SLURMD_NODENAME nor SLURM_NODEID says which node of the job this is");
    }

    private static void Replace(List<KeyValuePair<string, string?>> env, string name, string? value)
    {
        env.RemoveAll(v => v.Key == name);
        env.Add(new(name, value));
    }
}
