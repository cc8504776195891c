using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Slurm;

/// <summary>
/// Direct launch under Slurm: <c>srun --mpi=pmi2</c> starts the ranks, the library speaks PMI-2 to
/// slurmstepd over PMI_FD, ranks of a node share memory and nodes talk TCP. The nodes of the test
/// cluster are network and UTS namespaces that share /dev/shm, so these also prove that the node
/// layout comes from the node's name, not from the file system. Every job is checked for leftovers
/// (processes, queue entries, /dev/shm files) by <see cref="SlurmCommand"/>.
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

    [SlurmTheory]
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

    [SlurmFact]
    public void SixRanksOverThreeNodesAreOneJob()
    {
        JobResult r = Srun("pmi2", 3, 6, [], "basic");
        OneJobSucceeded(r, "basic");
    }

    [SlurmFact]
    public void AnExecutableRunsAsOneJob()
    {
        // The app host next to the test app's dll: what `srun ./app` runs after a build or publish.
        string exe = Path.Combine(Path.GetDirectoryName(BuildArtifacts.TestAppDll)!, "HpcMsg.TestApp");
        Assert.True(File.Exists(exe), $"the test app's executable {exe} is missing");
        JobResult r = SlurmCommand.Run("srun", ["--mpi=pmi2", "-N", "2", "-n", "4", "--overcommit", exe, "basic"], Limit, log);
        OneJobSucceeded(r, "basic");
    }

    [SlurmFact]
    public void AbortCancelsTheStepAndSrunNamesTheCode()
    {
        // Slurm's PMI abort cancels the step: the other tasks are killed, so srun reports 128+9 and
        // names the aborting task's own exit code on its stderr.
        JobResult r = Srun("pmi2", 2, 4, [], "abort", "7");
        JobAssert.ExitedWith(r, 137);
        JobAssert.StderrHasLineWith(r, "rank 3", "Abort(7)");
        JobAssert.StderrHasLineWith(r, "task 3", "exit code 7");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [SlurmFact]
    public void AKilledTaskEndsTheStepAndLeavesNothing()
    {
        // Rank 3 shares node 2 with rank 2, whose peer watch sees it die (Slurm itself lets the step run on).
        JobResult r = Srun("pmi2", 2, 4, [], "sigkill");
        JobAssert.ExitedWith(r, 137);
        JobAssert.StderrHasLineWith(r, "rank 3", "died");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [SlurmFact]
    public void AKilledTaskAloneOnItsNodeEndsTheStepWithKillOnBadExit()
    {
        // Ranks 0-1 on the first node, rank 2 alone on the second. Connections open on first use, so
        // ranks 0-1 may hold none to rank 2 and no local peer sees it die: the library cannot tell, and
        // Slurm (KillOnBadExit=0 by default) lets the step run on. --kill-on-bad-exit=1, as the README
        // advises for srun, has Slurm end the step; the step must end, leaving nothing behind.
        JobResult r = Srun("pmi2", 2, 3, ["--kill-on-bad-exit=1"], "sigkill");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [SlurmFact]
    public void WithoutPmiEveryTaskFailsNamingPmi2()
    {
        JobResult r = Srun("none", 1, 2, [], "basic");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.StderrHasLineWith(r, "srun --mpi=pmi2", "separate jobs of size 1");
        Assert.DoesNotContain("OK basic", r.Stdout);
    }

    [SlurmFact]
    public void CyclicDistributionIsRefusedNamingBlock()
    {
        JobResult r = Srun("pmi2", 2, 4, ["-m", "cyclic"], "basic");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.StderrHasLineWith(r, "consecutive", "srun -m block");
    }
}
