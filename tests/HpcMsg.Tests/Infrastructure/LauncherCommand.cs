using System.Diagnostics;
using System.Text;
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

    public static JobResult Run(string program, IReadOnlyList<string> args, TimeSpan hardTimeout, ITestOutputHelper? log = null)
    {
        string marker = $"hpcmsg-test-{Guid.NewGuid():N}";
        string commandLine = $"{program} {string.Join(' ', args)}";
        HashSet<string> shmBefore = Leftovers.ShmFiles();
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args) startInfo.ArgumentList.Add(a);
        // The test host may itself run under a launcher: none of that may reach this job.
        foreach (string name in startInfo.Environment.Keys
                     .Where(k => k.StartsWith("HPCMSG_", StringComparison.Ordinal) || k.StartsWith("PMI_", StringComparison.Ordinal)
                         || k.StartsWith("SLURM_", StringComparison.Ordinal) || k.StartsWith("PMIX_", StringComparison.Ordinal)).ToList())
            startInfo.Environment.Remove(name);
        startInfo.Environment[JobRunner.MarkerVariable] = marker;

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {commandLine}");
        process.StandardInput.Close();
        var stdout = new OutputCollector(process.StandardOutput);
        var stderr = new OutputCollector(process.StandardError);
        bool exited = process.WaitForExit(hardTimeout);
        TimeSpan elapsed = clock.Elapsed;
        if (!exited)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            Leftovers.KillAll(marker);
        }
        stdout.WaitForEnd(ExitGrace);
        stderr.WaitForEnd(ExitGrace);
        string leftovers = CheckAndClean(marker, shmBefore);
        var result = new JobResult(commandLine, exited ? process.ExitCode : -1, stdout.Snapshot(), stderr.Snapshot(), elapsed);
        log?.WriteLine($"[{commandLine}] exit {result.ExitCode} in {elapsed.TotalSeconds:F1} s");
        if (!exited) Assert.Fail($"the job did not finish within {hardTimeout.TotalSeconds:F0} s and was killed\n{result}");
        if (leftovers.Length > 0) Assert.Fail($"the job left things behind:\n{leftovers}\n{result}");
        return result;
    }

    private static string CheckAndClean(string marker, HashSet<string> before)
    {
        var clock = Stopwatch.StartNew();
        List<(int Pid, string CommandLine)> processes;
        List<string> files;
        while (true)
        {
            processes = Leftovers.Processes(marker);
            files = [.. Leftovers.ShmFiles().Where(f => !before.Contains(f) && IsPmiSegment(f))];
            if ((processes.Count == 0 && files.Count == 0) || clock.Elapsed > ExitGrace) break;
            Thread.Sleep(50);
        }
        var report = new StringBuilder();
        foreach ((int pid, string cmd) in processes) report.AppendLine($"process {pid} still running: {cmd}");
        if (processes.Count > 0) Leftovers.KillAll(marker);
        foreach (string file in files)
        {
            report.AppendLine($"shared-memory file still present: {file}");
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return report.ToString();
    }
}
