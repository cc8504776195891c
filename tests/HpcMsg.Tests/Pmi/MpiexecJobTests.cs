using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Pmi;

/// <summary>A fact that needs MPICH's Hydra launcher (Debian's mpich package): skipped, with the
/// reason, where mpiexec.mpich is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MpiexecFactAttribute : FactAttribute
{
    public const string Path = "/usr/bin/mpiexec.mpich";

    /// <summary>Set to 1 (.ci/run, as root, where it installs mpich): a missing mpiexec.mpich fails the
    /// tests instead of skipping them.</summary>
    public const string RequiredVariable = "HPCMSG_MPIEXEC_REQUIRED";

    public static bool Required => Environment.GetEnvironmentVariable(RequiredVariable) == "1";

    /// <summary>Why the tests are skipped here, or null when they run (mpiexec.mpich is there, or it is required).</summary>
    internal static string? SkipReason =>
        File.Exists(Path) || Required ? null : $"skipped: needs MPICH's {Path} (apt-get install mpich); {RequiredVariable}=1 makes this a failure";

    public MpiexecFactAttribute()
    {
        if (SkipReason is string why) Skip = why;
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

    private JobResult Mpiexec(int np, IReadOnlyDictionary<string, string?>? environment, params string[] scenario)
    {
        Assert.True(File.Exists(MpiexecFactAttribute.Path),
            $"{MpiexecFactAttribute.RequiredVariable}=1 but MPICH's {MpiexecFactAttribute.Path} is missing (apt-get install mpich)");
        return LauncherCommand.Run(MpiexecFactAttribute.Path, ["-n", np.ToString(System.Globalization.CultureInfo.InvariantCulture), BuildArtifacts.DotnetHost, BuildArtifacts.TestAppDll, .. scenario], Limit, log, environment);
    }

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
    public void AnUnhandledExceptionEndsTheJobWithCode1()
    {
        // The guard's PMI abort (exit code 1, naming the exception), then _exit(1): Hydra ends the others.
        JobResult r = Mpiexec(4, "throw");
        JobAssert.ExitedWith(r, 1);
        JobAssert.StderrHasLineWith(r, "rank 3", "unhandled exception", "InvalidOperationException");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(30));
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
    /// A rank is killed before it calls Init (at once, or once the others wait in the PMI barrier):
    /// Hydra itself sees the signal and ends the job with its number (9), as for a rank killed later.
    /// </summary>
    [MpiexecTheory]
    [InlineData("3:0")]
    [InlineData("3:1500")]
    [InlineData("0:1500")]
    public void ARankKilledBeforeInitEndsTheJob(string end)
    {
        JobResult r = Mpiexec(4, new Dictionary<string, string?> { ["TESTAPP_END_BEFORE_INIT"] = end }, "basic");
        JobAssert.ExitedWith(r, 9);
        Assert.DoesNotContain("OK basic", r.Stdout);
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// A rank exits with code 3 before it calls Init: Hydra ends a job only for a signal or a PMI
    /// connection closed after use, so without the ranks' watch of their node's tasks (LocalTaskWatch)
    /// the others would wait in the barrier forever. The watch names it and aborts, far below
    /// HPCMSG_PMI_TIMEOUT's 60 s, with the task's own code where it saw the task as a zombie (3, and its
    /// line says "with code 3"), else with 1 (Hydra had reaped it and the code is gone): which of the two
    /// a watch sees first is a race with Hydra's proxy (about 1 run in 12 here), so both are right.
    /// </summary>
    [MpiexecTheory]
    [InlineData("2:0:exit")]
    [InlineData("2:1500:exit")]
    public void ARankThatExitsBeforeInitEndsTheJobThroughItsNodesOtherRanks(string end)
    {
        JobResult r = Mpiexec(4, new Dictionary<string, string?> { ["TESTAPP_END_BEFORE_INIT"] = end }, "basic");
        Assert.True(r.ExitCode is 1 or 3, $"expected exit code 1 (the task's code unknown) or 3 (the task's own)\n{r}");
        if (r.ExitCode == 3) JobAssert.StderrHasLineWith(r, "rank 2", "with code 3", "exited before every rank had joined");
        JobAssert.StderrHasLineWith(r, "of this node exited before every rank had joined", "Init cannot complete");
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
        if (MpiexecFactAttribute.SkipReason is string why) Skip = why;
    }
}
