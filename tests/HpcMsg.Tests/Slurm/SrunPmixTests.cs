using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Slurm;

/// <summary>
/// Direct launch under Slurm with PMIx: <c>srun --mpi=pmix</c> (Slurm's mpi_pmix_v4 plugin) gives each
/// task a PMIx server in its slurmstepd; the library reaches it through libpmix, loaded at run time.
/// On one node and over two and three: the scenarios as one job, Abort ending the step with its code, a
/// killed task ending it. Every job is checked for leftovers by <see cref="SlurmCommand"/>. (The nodes of
/// the test cluster share /tmp, where the plugin makes TmpFS/spmix_appdir_&lt;uid&gt;_&lt;job&gt;.&lt;step&gt; on
/// every node of a step: .ci/slurm-up sets TmpFS per node, or the second node fails with "File exists".)
/// The tests of one node (trait <see cref="SlurmTopology.OneNode"/>) also run on <c>.ci/slurm-up single</c>.
/// </summary>
[Collection(JobsCollection.Name)]
public class SrunPmixTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private JobResult Srun(int tasks, IReadOnlyDictionary<string, string?>? environment, params string[] scenario) =>
        SrunOn(1, tasks, environment, scenario);

    private JobResult SrunOn(int nodes, int tasks, IReadOnlyDictionary<string, string?>? environment, params string[] scenario) =>
        SlurmCommand.Run("srun",
            ["--mpi=pmix", "-N", Text(nodes), "-n", Text(tasks), "--overcommit", BuildArtifacts.DotnetHost, BuildArtifacts.TestAppDll, .. scenario],
            Limit, log, environment);

    private static string Text(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Succeeded, as one job: rank 0 alone says OK (N singletons would each say it).</summary>
    private static void OneJobSucceeded(JobResult r, string scenario)
    {
        JobAssert.Succeeded(r, scenario);
        int oks = r.Stdout.Split('\n').Count(l => l.Trim() == $"OK {scenario}");
        Assert.True(oks == 1, $"expected one 'OK {scenario}' line (one job), got {oks}\n{r}");
    }

    [SlurmTheory]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    [InlineData("basic")]
    [InlineData("sizes")]
    [InlineData("collectives", "quick")]
    [InlineData("nonblocking")]
    public void FourTasksAreOneJobOverPmix(params string[] scenario)
    {
        JobResult r = Srun(4, null, scenario);
        OneJobSucceeded(r, scenario[0]);
    }

    [SlurmTheory(Nodes = 2)]
    [InlineData("basic")]
    [InlineData("collectives", "quick")]
    [InlineData("nonblocking")]
    public void FourTasksOverTwoNodesAreOneJobOverPmix(params string[] scenario)
    {
        // Two tasks a node: shared memory within a node, TCP between them, endpoints through PMIx.
        JobResult r = SrunOn(2, 4, null, scenario);
        OneJobSucceeded(r, scenario[0]);
    }

    [SlurmFact(Nodes = 3)]
    public void SixTasksOverThreeNodesAreOneJobOverPmix()
    {
        JobResult r = SrunOn(3, 6, null, "basic");
        OneJobSucceeded(r, "basic");
    }

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void AbortEndsTheStepWithItsCode()
    {
        // Slurm's PMIx plugin hands PMIx_Abort's status to srun, which cancels the step and exits with
        // it (unlike PMI-2's abort, after which srun exits 137: SrunPmiTests).
        JobResult r = Srun(4, null, "abort", "7");
        JobAssert.ExitedWith(r, 7);
        JobAssert.StderrHasLineWith(r, "rank 3", "Abort(7)");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [SlurmFact(Nodes = 2)]
    public void AbortOverTwoNodesEndsTheStepWithItsCode()
    {
        // Rank 3 is on the second node: the plugin carries PMIx_Abort to srun, which ends both nodes' tasks.
        JobResult r = SrunOn(2, 4, null, "abort", "7");
        JobAssert.ExitedWith(r, 7);
        JobAssert.StderrHasLineWith(r, "rank 3", "Abort(7)");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [SlurmFact(Nodes = 2)]
    public void AKilledTaskOverTwoNodesEndsTheStep()
    {
        // Rank 3 shares the second node with rank 2, whose peer watch sees it die and ends the step.
        JobResult r = SrunOn(2, 4, null, "sigkill");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.StderrHasLineWith(r, "rank 3", "died");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [SlurmFact(Nodes = 2)]
    public void AKilledTaskAloneOnItsNodeEndsTheStep()
    {
        // Rank 2 is alone on the second node: the node leaders' ring sees its link break (2+1 layout).
        JobResult r = SrunOn(2, 3, null, "sigkill");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.StderrHasLineWith(r, "rank 2", "is gone", "ending the job");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void AKilledTaskEndsTheStep()
    {
        // The killed rank's node peers see it die (LocalPeerWatch) and end the step through PMIx_Abort.
        JobResult r = Srun(4, null, "sigkill");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.StderrHasLineWith(r, "rank 3", "died");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void WithoutLibpmixEveryTaskFailsNamingWhatWasTried()
    {
        const string Missing = "/nonexistent/libpmix.so.2";
        JobResult r = Srun(2, new Dictionary<string, string?> { ["HPCMSG_PMIX_LIBRARY"] = Missing }, "basic");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.StderrHasLineWith(r, "PMIx launcher", Missing, "HPCMSG_PMIX_LIBRARY");
        Assert.DoesNotContain("OK basic", r.Stdout);
    }
}
