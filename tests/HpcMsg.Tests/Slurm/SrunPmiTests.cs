using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Slurm;

/// <summary>
/// Direct launch under Slurm: <c>srun --mpi=pmi2</c> starts the ranks, the library speaks PMI-2 to
/// slurmstepd over PMI_FD, ranks of a node share memory and nodes talk TCP. The nodes of the test
/// cluster are network and UTS namespaces that share /dev/shm, so these also prove that the node
/// layout comes from the node's name, not from the file system. Every job is checked for leftovers
/// (processes, queue entries, /dev/shm files) by <see cref="SlurmCommand"/>. The tests of one node
/// (trait <see cref="SlurmTopology.OneNode"/>) also run on <c>.ci/slurm-up single</c>, the others need
/// the nodes their <c>Nodes</c> says.
/// </summary>
[Collection(JobsCollection.Name)]
public class SrunPmiTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    /// <summary>Succeeded, as one job: rank 0 alone says OK (N singletons would each say it).</summary>
    private static void OneJobSucceeded(JobResult r, string scenario)
    {
        JobAssert.Succeeded(r, scenario);
        int oks = r.Stdout.Split('\n').Count(l => l.Trim() == $"OK {scenario}");
        Assert.True(oks == 1, $"expected one 'OK {scenario}' line (one job), got {oks}\n{r}");
    }

    private JobResult Srun(string mpi, int nodes, int tasks, string[] extra, params string[] scenario) =>
        SlurmCommand.Run("srun",
            [$"--mpi={mpi}", "-N", Text(nodes), "-n", Text(tasks), "--overcommit", .. extra, BuildArtifacts.DotnetHost, BuildArtifacts.TestAppDll, .. scenario],
            Limit, log);

    private static string Text(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every rank on one node: shared memory only, the job joined through PMI-2.</summary>
    [SlurmTheory]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    [InlineData("basic")]
    [InlineData("nonblocking")]
    [InlineData("collectives", "quick")]
    public void FourRanksOnOneNodeRunTheScenario(params string[] scenario)
    {
        JobResult r = Srun("pmi2", 1, 4, [], scenario);
        OneJobSucceeded(r, scenario[0]);
    }

    [SlurmTheory(Nodes = 2)]
    [InlineData("basic")]
    [InlineData("nonblocking")]
    [InlineData("objects")]
    [InlineData("dup")]
    [InlineData("truncate")]
    public void FourRanksOverTwoNodesRunTheScenario(string scenario)
    {
        JobResult r = Srun("pmi2", 2, 4, [], scenario);
        OneJobSucceeded(r, scenario);
    }

    [SlurmFact(Nodes = 3)]
    public void SixRanksOverThreeNodesAreOneJob()
    {
        JobResult r = Srun("pmi2", 3, 6, [], "basic");
        OneJobSucceeded(r, "basic");
    }

    [SlurmTheory(Nodes = 3)]
    [InlineData(2, 4)]
    [InlineData(3, 6)]
    public void CollectivesRunOverTheNodes(int nodes, int tasks)
    {
        // Every collective and algorithm over shared memory within the nodes and TCP between them.
        JobResult r = Srun("pmi2", nodes, tasks, [], "collectives", "quick");
        OneJobSucceeded(r, "collectives");
    }

    [SlurmFact(Nodes = 2)]
    public void SizesCrossTheNodesOverTcp()
    {
        // sizes talks between ranks 0 and 1 only: one task per node puts that pair on TCP (with 4
        // tasks, block distribution would put both on n1, in shared memory).
        JobResult r = Srun("pmi2", 2, 2, [], "sizes");
        OneJobSucceeded(r, "sizes");
    }

    [SlurmFact(Nodes = 2)]
    public void ALargeMessageCrossesTheNodesOverTcp()
    {
        // 30 million doubles (240 MB) from rank 0 on n1 to rank 1 on n2 (huge needs np = 2), as the
        // network namespace jobs send it (MultiHostJobTests).
        JobResult r = Srun("pmi2", 2, 2, [], "huge", "30000000");
        OneJobSucceeded(r, "huge");
    }

    [SlurmFact(Nodes = 2)]
    public void AnExecutableRunsAsOneJob()
    {
        // The app host next to the test app's dll: what `srun ./app` runs after a build or publish.
        string exe = Path.Combine(Path.GetDirectoryName(BuildArtifacts.TestAppDll)!, "HpcMsg.TestApp");
        Assert.True(File.Exists(exe), $"the test app's executable {exe} is missing");
        JobResult r = SlurmCommand.Run("srun", ["--mpi=pmi2", "-N", "2", "-n", "4", "--overcommit", exe, "basic"], Limit, log);
        OneJobSucceeded(r, "basic");
    }

    [SlurmFact(Nodes = 2)]
    public void AbortCancelsTheStepAndSrunNamesTheCode() => AbortCancelsTheStep(2);

    /// <summary>The same on one node, where the other ranks hear the abort through shared memory.</summary>
    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void AbortOnOneNodeCancelsTheStepAndSrunNamesTheCode() => AbortCancelsTheStep(1);

    private void AbortCancelsTheStep(int nodes)
    {
        // Slurm's PMI abort cancels the step: the other tasks are killed, so srun reports 128+9 and
        // names the aborting task's own exit code on its stderr. The aborting rank leaves with _exit
        // right after the abort frame (no exit handlers), so slurmstepd's SIGKILL does not reach it
        // first (with Environment.Exit it sometimes did: "tasks 2-3: Killed"). Every run must say it.
        // srun's status is the largest of its tasks': 137 once one is killed, but the other ranks hear
        // the abort from rank 3 before Slurm does and may all have exited (1) before the kill comes
        // (seen under load): then it is rank 3's 7. Either is the job's failure; anything else is not.
        for (int run = 0; run < 3; run++)
        {
            JobResult r = Srun("pmi2", nodes, 4, [], "abort", "7");
            Assert.True(r.ExitCode is 137 or 7, $"expected srun to exit 137 (the step was killed) or 7 (every task exited first)\n{r}");
            JobAssert.StderrHasLineWith(r, "rank 3", "Abort(7)");
            JobAssert.StderrHasLineWith(r, "task 3", "exit code 7");
            JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
        }
    }

    /// <summary>
    /// The last rank throws an exception nothing catches (on a thread of its own, so that it is truly
    /// unhandled) while the others wait to receive from it: under PMI the guard says it on stderr, sends
    /// the PMI abort naming the exception and leaves with <c>_exit(1)</c> at once, so Slurm's kill of the
    /// step never reaches it first: every run, srun names its exit code 1, never "Killed". Layouts: 2+2
    /// (a node-mate beside it) and 1+1+1 (alone on its node). srun's own status is 137 once another task
    /// is killed, or 1 when every task happened to exit first (heard the failure before Slurm's kill).
    /// </summary>
    [SlurmTheory(Nodes = 3)]
    [InlineData(2, 4)]
    [InlineData(3, 3)]
    public void AnUnhandledExceptionEndsTheStepAndSrunNamesCode1(int nodes, int tasks) => AnUnhandledExceptionEndsTheStep(nodes, tasks);

    /// <summary>The same with every task on one node.</summary>
    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void AnUnhandledExceptionOnOneNodeEndsTheStepAndSrunNamesCode1() => AnUnhandledExceptionEndsTheStep(1, 4);

    private void AnUnhandledExceptionEndsTheStep(int nodes, int tasks)
    {
        for (int run = 0; run < 3; run++)
        {
            JobResult r = Srun("pmi2", nodes, tasks, [], "throw");
            Assert.True(r.ExitCode is 137 or 1, $"expected srun to exit 137 (the step was killed) or 1 (every task exited first)\n{r}");
            JobAssert.StderrHasLineWith(r, $"rank {tasks - 1}", "unhandled exception", "InvalidOperationException", "deliberate failure from the throw scenario");
            Assert.True(SrunSaysExited(r.Stderr, tasks - 1, 1), $"expected srun to say task {tasks - 1} exited with exit code 1 (not Killed)\n{r}");
            Assert.DoesNotContain("OK throw", r.Stdout);
            JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
        }
    }

    /// <summary>Whether srun's stderr says that <paramref name="task"/> exited with <paramref name="code"/>:
    /// "srun: error: n2: task 3: Exited with exit code 1", or a line of several tasks ("tasks 2-3", "tasks 0,2").</summary>
    private static bool SrunSaysExited(string stderr, int task, int code) =>
        stderr.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, @"tasks? ([0-9,-]+): Exited with exit code (\d+)\s*$"))
            .Any(m => m.Success && m.Groups[2].Value == Text(code) && m.Groups[1].Value.Split(',').Any(part =>
            {
                string[] ends = part.Split('-');
                int lo = int.Parse(ends[0], System.Globalization.CultureInfo.InvariantCulture);
                int hi = ends.Length > 1 ? int.Parse(ends[1], System.Globalization.CultureInfo.InvariantCulture) : lo;
                return task >= lo && task <= hi;
            }));

    /// <summary>Rank 3 shares its node with rank 2 (node 2 of 2, or the one node), whose peer watch sees
    /// it die (Slurm itself lets the step run on).</summary>
    [SlurmFact(Nodes = 2)]
    public void AKilledTaskEndsTheStepAndLeavesNothing() => AKilledTaskEndsTheStep(2);

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void AKilledTaskOnOneNodeEndsTheStepAndLeavesNothing() => AKilledTaskEndsTheStep(1);

    private void AKilledTaskEndsTheStep(int nodes)
    {
        JobResult r = Srun("pmi2", nodes, 4, [], "sigkill");
        JobAssert.ExitedWith(r, 137);
        JobAssert.StderrHasLineWith(r, "rank 3", "died");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// A rank alone on its node is killed, and no rank holds a connection to it (connections open on
    /// first use; the others only wait to receive from it, or make no call at all), and Slurm
    /// (KillOnBadExit=0, the default) lets the step run on: the node leaders' ring sees its node's
    /// link break and ends the step, without --kill-on-bad-exit. Layouts: 1+1+1 on three nodes (every
    /// rank a leader), 2+1 on two (the ring's two links join the same pair), 2+2+1.
    /// </summary>
    [SlurmTheory(Nodes = 3)]
    [InlineData(3, 3, "")]
    [InlineData(2, 3, "")]
    [InlineData(3, 5, "")]
    [InlineData(3, 3, "idle")]
    [InlineData(3, 5, "idle")]
    public void AKilledTaskAloneOnItsNodeEndsTheStepWithoutKillOnBadExit(int nodes, int tasks, string how)
    {
        string[] scenario = how.Length > 0 ? ["sigkill", how] : ["sigkill"];
        JobResult r = Srun("pmi2", nodes, tasks, [], scenario);
        JobAssert.ExitedWith(r, 137);
        JobAssert.StderrHasLineWith(r, $"rank {tasks - 1}", "first rank", "is gone", "ending the job");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [SlurmFact(Nodes = 2)]
    public void WithoutTheRingALoneKilledTaskNeedsKillOnBadExit()
    {
        // HPCMSG_NODE_RING=0: nothing in the library sees rank 2 die; --kill-on-bad-exit=1 has Slurm end the step.
        JobResult r = SlurmCommand.Run("srun",
            ["--mpi=pmi2", "-N", "2", "-n", "3", "--overcommit", "--kill-on-bad-exit=1", BuildArtifacts.DotnetHost, BuildArtifacts.TestAppDll, "sigkill"],
            Limit, log, new Dictionary<string, string?> { ["HPCMSG_NODE_RING"] = "0" });
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("is gone", r.Stderr);
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [SlurmFact(Nodes = 2)]
    public void AnArbitraryDistributionRunsAsOneJob()
    {
        // Slurm's map of -m arbitrary is one node per rank whatever the placement: the ranks see that
        // it disagrees with their nodes and take the layout from the nodes instead (ProcessMappingTests).
        JobResult r = Srun("pmi2", 2, 3, ["-m", "arbitrary", "-w", "n1,n1,n2"], "hostnames");
        JobAssert.Succeeded(r, "hostnames");
    }

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void WithoutPmiEveryTaskFailsNamingPmi2()
    {
        JobResult r = Srun("none", 1, 2, [], "basic");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.StderrHasLineWith(r, "srun --mpi=pmi2", "separate jobs of size 1");
        Assert.DoesNotContain("OK basic", r.Stdout);
    }

    [SlurmFact(Nodes = 2)]
    public void CyclicDistributionIsRefusedNamingBlock()
    {
        JobResult r = Srun("pmi2", 2, 4, ["-m", "cyclic"], "basic");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.StderrHasLineWith(r, "consecutive", "srun -m block");
    }
}
