using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Pmi;

/// <summary>A fact that needs MPICH's Hydra launcher (Debian's mpich package): skipped, with the
/// reason, where mpiexec.mpich is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MpiexecFactAttribute : FactAttribute
{
    public const string Path = "/usr/bin/mpiexec.mpich";

    public MpiexecFactAttribute()
    {
        if (!File.Exists(Path)) Skip = $"skipped: needs MPICH's {Path} (apt-get install mpich)";
    }
}

/// <summary>
/// Jobs started by MPICH's Hydra (<c>mpiexec.mpich -n 4 dotnet app.dll</c>), which gives each rank a
/// PMI-1 server on PMI_FD: one job of 4 ranks over shared memory, Abort's code as mpiexec's exit
/// code, a killed rank ending the job, and no file or process left behind.
/// </summary>
[Collection(JobsCollection.Name)]
public class MpiexecJobTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    /// <summary>Succeeded, as one job: rank 0 alone says OK (N singletons would each say it).</summary>
    private static void OneJobSucceeded(JobResult r, string scenario)
    {
        JobAssert.Succeeded(r, scenario);
        int oks = r.Stdout.Split('\n').Count(l => l.Trim() == $"OK {scenario}");
        Assert.True(oks == 1, $"expected one 'OK {scenario}' line (one job), got {oks}\n{r}");
    }

    private JobResult Mpiexec(int np, params string[] scenario) => Mpiexec(np, null, scenario);

    private JobResult Mpiexec(int np, IReadOnlyDictionary<string, string?>? environment, params string[] scenario) =>
        LauncherCommand.Run(MpiexecFactAttribute.Path, ["-n", np.ToString(System.Globalization.CultureInfo.InvariantCulture), BuildArtifacts.DotnetHost, BuildArtifacts.TestAppDll, .. scenario], Limit, log, environment);

    [MpiexecFact]
    public void FourRanksAreOneJob()
    {
        JobResult r = Mpiexec(4, "basic");
        OneJobSucceeded(r, "basic");
    }

    [MpiexecFact]
    public void NonBlockingAndObjectsRunOverPmi1()
    {
        OneJobSucceeded(Mpiexec(4, "nonblocking"), "nonblocking");
        OneJobSucceeded(Mpiexec(3, "objects"), "objects");
    }

    [MpiexecFact]
    public void AbortEndsTheJobWithItsCode()
    {
        JobResult r = Mpiexec(4, "abort", "7");
        JobAssert.ExitedWith(r, 7);
        JobAssert.StderrHasLineWith(r, "rank 3", "Abort(7)");
    }

    [MpiexecFact]
    public void AKilledRankEndsTheJob()
    {
        // Hydra ends the job itself when a rank dies of a signal (exit 9 here); the ranks' own watch
        // (LocalPeerWatch) is the backstop where a launcher does not.
        JobResult r = Mpiexec(4, "sigkill");
        Assert.True(r.ExitCode != 0, $"expected a failure\n{r}");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// A rank dies before it calls Init (at once, or after the others are waiting in the PMI barrier;
    /// or it exits with code 3), and the other ranks must not wait in the barrier forever: the job ends
    /// within a bounded time far below HPCMSG_PMI_TIMEOUT's 60 s, fails, and leaves nothing behind.
    /// </summary>
    [MpiexecTheory]
    [InlineData("3:0")]
    [InlineData("3:1500")]
    [InlineData("0:1500")]
    [InlineData("2:0:exit")]
    public void ARankThatEndsBeforeInitEndsTheJob(string end)
    {
        JobResult r = Mpiexec(4, new Dictionary<string, string?> { ["TESTAPP_END_BEFORE_INIT"] = end }, "basic");
        Assert.True(r.ExitCode != 0, $"expected a failure\n{r}");
        Assert.DoesNotContain("OK basic", r.Stdout);
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(30));
    }
}

/// <summary>A theory that needs MPICH's Hydra launcher, as <see cref="MpiexecFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MpiexecTheoryAttribute : TheoryAttribute
{
    public MpiexecTheoryAttribute()
    {
        if (!File.Exists(MpiexecFactAttribute.Path)) Skip = $"skipped: needs MPICH's {MpiexecFactAttribute.Path} (apt-get install mpich)";
    }
}
