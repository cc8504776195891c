using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Slurm;

/// <summary>
/// A task of an <c>srun --mpi=pmi2</c> step ends before it calls <c>Communicator.Init</c>
/// (TESTAPP_END_BEFORE_INIT: SIGKILL at once, SIGKILL once the others wait in the PMI fence, or exit 3),
/// and Slurm, with <c>KillOnBadExit=0</c> (its default, and the test cluster's), lets the step run on:
/// the others would wait in the fence forever. A task of the same node sees its sibling gone
/// (<c>LocalTaskWatch</c>) and ends the step at once; for a task alone on its node only the PMI timeout
/// (HPCMSG_PMI_TIMEOUT) can tell, and its expiry ends the step naming the parameter. Every run is
/// bounded, ends with srun's 137 for a killed task, and leaves nothing (processes, queue entries,
/// /dev/shm files: <see cref="SlurmCommand"/>).
/// </summary>
[Collection(JobsCollection.Name)]
public class SrunInitFailureTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private JobResult Srun(int nodes, int tasks, string end, string? pmiTimeout = null, string? killOnBadExit = null) =>
        SlurmCommand.Run("srun",
            ["--mpi=pmi2", "-N", Text(nodes), "-n", Text(tasks), "--overcommit", BuildArtifacts.DotnetHost, BuildArtifacts.TestAppDll, "basic"],
            Limit, log, new Dictionary<string, string?>
            {
                ["TESTAPP_END_BEFORE_INIT"] = end,
                ["HPCMSG_PMI_TIMEOUT"] = pmiTimeout,
                ["SLURM_KILL_BAD_EXIT"] = killOnBadExit,
            });

    private static string Text(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Rank 3 shares node 2 with rank 2 (block distribution of 4 over 2 nodes); rank 0 shares
    /// node 1 with rank 1. The default timeout (60 s) is left, so only the watch can end it this soon.</summary>
    [SlurmTheory(Nodes = 2)]
    [InlineData("3:0")]
    [InlineData("3:2000")]
    [InlineData("0:2000")]
    public void ATaskKilledBeforeInitEndsTheStepAtOnceThroughItsNodesOtherTask(string end)
    {
        int victim = int.Parse(end.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);
        JobResult r = Srun(2, 4, end);
        JobAssert.ExitedWith(r, 137);
        JobAssert.StderrHasLineWith(r, $"rank {victim}", "of this node exited before every rank had joined", "Init cannot complete");
        Assert.DoesNotContain("OK basic", r.Stdout);
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(30));
    }

    /// <summary>The same with every task on one node: rank 3's node-mates see it gone.</summary>
    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void ATaskKilledBeforeInitOnOneNodeEndsTheStepAtOnce()
    {
        JobResult r = Srun(1, 4, "3:0");
        JobAssert.ExitedWith(r, 137);
        JobAssert.StderrHasLineWith(r, "rank 3", "of this node exited before every rank had joined", "Init cannot complete");
        Assert.DoesNotContain("OK basic", r.Stdout);
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(30));
    }

    [SlurmFact(Nodes = 2)]
    public void ATaskThatExitsBeforeInitEndsTheStepToo()
    {
        JobResult r = Srun(2, 4, "1:0:exit");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.StderrHasLineWith(r, "rank 1", "of this node exited before every rank had joined");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(30));
    }

    /// <summary>Rank 2 alone on node 2 (3 tasks over 2 nodes: 2 + 1), or rank 1 alone on node 2 of 3:
    /// nothing of the job runs beside it, so the others' PMI wait (5 s here) ends the step, naming
    /// HPCMSG_PMI_TIMEOUT and the fence.</summary>
    [SlurmTheory(Nodes = 3)]
    [InlineData(2, 3, "2:0")]
    [InlineData(3, 3, "1:1500")]
    public void ATaskKilledBeforeInitAloneOnItsNodeEndsTheStepWhenThePmiWaitTimesOut(int nodes, int tasks, string end)
    {
        JobResult r = Srun(nodes, tasks, end, pmiTimeout: "5");
        JobAssert.ExitedWith(r, 137);
        JobAssert.StderrHasLineWith(r, "Init failed", "kvs-fence", "did not come within 5 s", "HPCMSG_PMI_TIMEOUT");
        Assert.DoesNotContain("OK basic", r.Stdout);
        Assert.True(r.Elapsed >= TimeSpan.FromSeconds(4.5), $"ended after {r.Elapsed.TotalSeconds:F1} s, before the PMI timeout: by what?\n{r}");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(40));
    }

    /// <summary>What the timeout's message advises, checked: with SLURM_KILL_BAD_EXIT=1 in srun's
    /// environment (as <c>sbatch --kill-on-bad-exit</c> sets it) Slurm itself ends the step when the task
    /// alone on its node dies before Init, long before the default 60 s PMI wait (left as it is here).</summary>
    [SlurmFact(Nodes = 3)]
    public void WithSlurmKillBadExitATaskKilledBeforeInitAloneOnItsNodeEndsTheStepAtOnce()
    {
        JobResult r = Srun(3, 3, "1:1500", killOnBadExit: "1");
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("OK basic", r.Stdout);
        Assert.DoesNotContain("did not come within", r.Stderr);
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(30));
    }
}
