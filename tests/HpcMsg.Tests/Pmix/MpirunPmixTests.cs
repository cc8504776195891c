using System.Globalization;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Pmix;

/// <summary>
/// Jobs started by Open MPI's mpirun (<c>mpirun.openmpi -n 4 --oversubscribe dotnet app.dll</c>), whose
/// daemon serves PMIx to the ranks (PMIX_NAMESPACE, PMIX_RANK, PMIX_SERVER_URI*): the library loads
/// libpmix and joins one job of 4 through it, over shared memory; Abort's code is mpirun's exit code;
/// a killed rank ends the job; a libpmix that cannot be loaded fails every rank with a message naming
/// what was tried; and no file or process is left behind (<see cref="LauncherCommand"/>).
/// </summary>
[Collection(JobsCollection.Name)]
public class MpirunPmixTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    /// <summary>Succeeded, as one job: rank 0 alone says OK (N singletons would each say it).</summary>
    private static void OneJobSucceeded(JobResult r, string scenario)
    {
        JobAssert.Succeeded(r, scenario);
        int oks = r.Stdout.Split('\n').Count(l => l.Trim() == $"OK {scenario}");
        Assert.True(oks == 1, $"expected one 'OK {scenario}' line (one job), got {oks}\n{r}");
    }

    /// <summary>mpirun with <paramref name="np"/> ranks (as root it insists on --allow-run-as-root);
    /// <paramref name="exports"/> are NAME=VALUE pairs mpirun sets in the ranks' environment (-x).</summary>
    private JobResult Mpirun(int np, string[] exports, params string[] scenario)
    {
        List<string> args = ["-n", np.ToString(CultureInfo.InvariantCulture), "--oversubscribe"];
        if (PmixSupport.IsRoot) args.Add("--allow-run-as-root");
        // mpirun hands the ranks a pseudo-terminal for their output, and .NET then writes the terminal's
        // keypad sequence before the first line; a terminal without one keeps the lines as the app wrote them.
        args.AddRange(["-x", "TERM=dumb"]);
        foreach (string x in exports) args.AddRange(["-x", x]);
        return LauncherCommand.Run(PmixSupport.MpirunPath, [.. args, BuildArtifacts.DotnetHost, BuildArtifacts.TestAppDll, .. scenario], Limit, log);
    }

    [MpirunPmixTheory]
    [InlineData("basic")]
    [InlineData("sizes")]
    [InlineData("collectives", "quick")]
    [InlineData("nonblocking")]
    [InlineData("objects")]
    [InlineData("dup")]
    public void FourRanksAreOneJobOverPmix(params string[] scenario)
    {
        JobResult r = Mpirun(4, [], scenario);
        OneJobSucceeded(r, scenario[0]);
    }

    [MpirunPmixFact]
    public void AbortEndsTheJobWithItsCode()
    {
        JobResult r = Mpirun(4, [], "abort", "7");
        JobAssert.ExitedWith(r, 7);
        JobAssert.StderrHasLineWith(r, "rank 3", "Abort(7)");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [MpirunPmixFact]
    public void AKilledRankEndsTheJob()
    {
        JobResult r = Mpirun(4, [], "sigkill");
        Assert.True(r.ExitCode != 0, $"expected a failure\n{r}");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    [MpirunPmixFact]
    public void WithoutLibpmixEveryRankFailsNamingWhatWasTried()
    {
        // HPCMSG_PMIX_LIBRARY names a library that is not there: what a machine without libpmix sees.
        const string Missing = "/nonexistent/libpmix.so.2";
        JobResult r = Mpirun(2, [$"HPCMSG_PMIX_LIBRARY={Missing}"], "basic");
        Assert.True(r.ExitCode != 0, $"expected a failure\n{r}");
        JobAssert.StderrHasLineWith(r, "PMIx launcher", Missing, "libpmix2", "HPCMSG_PMIX_LIBRARY");
        Assert.DoesNotContain("OK basic", r.Stdout);
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }
}
