using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Slurm;

/// <summary>
/// Direct launch under Slurm with PMIx: <c>srun --mpi=pmix</c> (Slurm's mpi_pmix_v4 plugin) gives each
/// task a PMIx server in its slurmstepd; the library reaches it through libpmix, loaded at run time.
/// On one node: the scenarios as one job, Abort ending the step. Every job is checked for leftovers by
/// <see cref="SlurmCommand"/>. (Over several nodes of the test cluster the plugin needs a client
/// directory per node: its nodes share /tmp, where every slurmstepd of a step creates
/// spmix_appdir_&lt;uid&gt;_&lt;step&gt;, and the second fails; a per-node TmpFS lifts that.)
/// </summary>
[Collection(JobsCollection.Name)]
public class SrunPmixTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private JobResult Srun(int tasks, IReadOnlyDictionary<string, string?>? environment, params string[] scenario) =>
        SlurmCommand.Run("srun",
            ["--mpi=pmix", "-N", "1", "-n", tasks.ToString(System.Globalization.CultureInfo.InvariantCulture), "--overcommit", BuildArtifacts.DotnetHost, BuildArtifacts.TestAppDll, .. scenario],
            Limit, log, environment);

    [SlurmTheory]
    [InlineData("basic")]
    [InlineData("sizes")]
    [InlineData("collectives", "quick")]
    [InlineData("nonblocking")]
    public void FourTasksAreOneJobOverPmix(params string[] scenario)
    {
        JobResult r = Srun(4, null, scenario);
        JobAssert.Succeeded(r, scenario[0]);
        int oks = r.Stdout.Split('\n').Count(l => l.Trim() == $"OK {scenario[0]}");
        Assert.True(oks == 1, $"expected one 'OK {scenario[0]}' line (one job), got {oks}\n{r}");
    }

    [SlurmFact]
    public void AbortEndsTheStepWithItsCode()
    {
        // Slurm's PMIx plugin hands PMIx_Abort's status to srun, which cancels the step and exits with
        // it (unlike PMI-2's abort, after which srun exits 137: SrunPmiTests).
        JobResult r = Srun(4, null, "abort", "7");
        JobAssert.ExitedWith(r, 7);
        JobAssert.StderrHasLineWith(r, "rank 3", "Abort(7)");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [SlurmFact]
    public void AKilledTaskEndsTheStep()
    {
        // The killed rank's node peers see it die (LocalPeerWatch) and end the step through PMIx_Abort.
        JobResult r = Srun(4, null, "sigkill");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.StderrHasLineWith(r, "rank 3", "died");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [SlurmFact]
    public void WithoutLibpmixEveryTaskFailsNamingWhatWasTried()
    {
        const string Missing = "/nonexistent/libpmix.so.2";
        JobResult r = Srun(2, new Dictionary<string, string?> { ["HPCMSG_PMIX_LIBRARY"] = Missing }, "basic");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.StderrHasLineWith(r, "PMIx launcher", Missing, "HPCMSG_PMIX_LIBRARY");
        Assert.DoesNotContain("OK basic", r.Stdout);
    }
}
