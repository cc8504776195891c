using System.Diagnostics;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>
/// Runs an arbitrary launcher command line (e.g. <c>mpiexec.mpich -n 4 dotnet app.dll basic</c>) as
/// <see cref="JobRunner"/> runs hpcrun: a fresh marker in its environment (launchers hand it on to
/// the ranks), a hard limit past which the whole tree and every process carrying the marker are
/// killed and the test fails, and afterwards the leftover check: no process with the marker, no new
/// /dev/shm/hpcmsg-* file (a PMI job names its segments hpcmsg-&lt;euid&gt;-pmi-&lt;job&gt;-n&lt;node&gt;).
/// Judging the exit code and output is the caller's business.
/// </summary>
public static class LauncherCommand
{
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(3);

    /// <summary>The ranks of a PMI job (srun, mpiexec) name their node segments so.</summary>
    public static bool IsPmiSegment(string file) => Path.GetFileName(file).Contains("-pmi-", StringComparison.Ordinal);

    /// <param name="environment">Added to (or, with a null value, removed from) the launcher's environment.</param>
    public static JobResult Run(string program, IReadOnlyList<string> args, TimeSpan hardTimeout, ITestOutputHelper? log = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        string marker = MarkedProcess.NewMarker();
        string commandLine = $"{program} {string.Join(' ', args)}";
        HashSet<string> shmBefore = Leftovers.ShmFiles();
        ProcessStartInfo startInfo = MarkedProcess.StartInfo(program, args, marker);
        // The test host may itself run under a launcher: none of that may reach this job.
        MarkedProcess.RemoveInherited(startInfo, "HPCMSG_", "PMI_", "SLURM_", "PMIX_");
        if (environment is not null)
            foreach ((string name, string? value) in environment)
            {
                if (value is null) startInfo.Environment.Remove(name);
                else startInfo.Environment[name] = value;
            }

        MarkedProcess.Outcome outcome = MarkedProcess.Run(startInfo, commandLine, hardTimeout);
        string leftovers = Leftovers.CheckAndClean(marker,
            () => [.. Leftovers.ShmFiles().Where(f => !shmBefore.Contains(f) && IsPmiSegment(f))], ExitGrace);
        log?.WriteLine($"[{commandLine}] exit {outcome.Result.ExitCode} in {outcome.Result.Elapsed.TotalSeconds:F1} s");
        return MarkedProcess.AssertFinishedClean(outcome, leftovers);
    }
}
