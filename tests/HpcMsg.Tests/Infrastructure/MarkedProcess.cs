using System.Diagnostics;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>
/// What every job-running helper of the tests shares (<see cref="JobRunner"/>, <see cref="LauncherCommand"/>,
/// the examples' and Slurm's runners): start a launcher whose environment carries a fresh job marker
/// (launchers hand it on to the ranks), read its output on tasks of their own, wait up to a hard limit and,
/// past it, kill the launcher's tree and every process carrying the marker. Each caller then adds its own
/// leftover check and hands it to <see cref="AssertFinishedClean"/>.
/// </summary>
internal static class MarkedProcess
{
    /// <summary>How long the output pipes may stay open after the launcher has exited: they end when every
    /// process holding them has gone, so a rank left running keeps them open.</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(3);

    /// <param name="Result">Exit code -1 when the launcher was killed at the hard limit.</param>
    /// <param name="Exited">The launcher exited by itself within the hard limit.</param>
    /// <param name="Drained">Both output pipes reached their end after it exited.</param>
    public sealed record Outcome(JobResult Result, bool Exited, bool Drained, int Pid, string Marker, TimeSpan HardTimeout);

    public static string NewMarker() => $"hpcmsg-test-{Guid.NewGuid():N}";

    /// <summary>A start description with redirected streams, the arguments, and the marker in the environment.</summary>
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments, string marker)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) startInfo.ArgumentList.Add(a);
        startInfo.Environment[JobRunner.MarkerVariable] = marker;
        return startInfo;
    }

    /// <summary>Removes the variables whose names start with one of <paramref name="prefixes"/>: the test host
    /// may itself run under a launcher or in an allocation, and none of that may reach the job. The marker stays.</summary>
    public static void RemoveInherited(ProcessStartInfo startInfo, params string[] prefixes)
    {
        foreach (string name in startInfo.Environment.Keys
                     .Where(k => k != JobRunner.MarkerVariable && prefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
            startInfo.Environment.Remove(name);
    }

    /// <param name="whileRunning">Called with the launcher's pid and the marker once it has started; if it
    /// throws, the job is killed as at the hard limit and the exception goes on.</param>
    /// <param name="beforeKill">Called at the hard limit before the launcher is killed (Slurm cancels the job
    /// first, so that slurmstepd ends the tasks on every node).</param>
    public static Outcome Run(ProcessStartInfo startInfo, string commandLine, TimeSpan hardTimeout,
        Action<int, string>? whileRunning = null, Action? beforeKill = null)
    {
        string marker = startInfo.Environment[JobRunner.MarkerVariable]
            ?? throw new ArgumentException("the start description carries no marker; make it with StartInfo", nameof(startInfo));
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {commandLine}");
        process.StandardInput.Close();
        var stdout = new OutputCollector(process.StandardOutput);
        var stderr = new OutputCollector(process.StandardError);
        bool exited = false;
        try
        {
            whileRunning?.Invoke(process.Id, marker);
            exited = process.WaitForExit(hardTimeout);
        }
        finally
        {
            if (!exited) Kill(process, marker, beforeKill);
        }
        TimeSpan elapsed = clock.Elapsed;
        bool drained = stdout.WaitForEnd(DrainGrace) & stderr.WaitForEnd(DrainGrace);
        var result = new JobResult(commandLine, exited ? process.ExitCode : -1, stdout.Snapshot(), stderr.Snapshot(), elapsed);
        return new Outcome(result, exited, drained, process.Id, marker, hardTimeout);
    }

    /// <summary>Fails the test when the job ran past its hard limit, left something behind (the caller's
    /// report of what it found and removed), or kept its output pipes open.</summary>
    public static JobResult AssertFinishedClean(Outcome outcome, string leftovers)
    {
        if (!outcome.Exited)
            Assert.Fail($"the job did not finish within {outcome.HardTimeout.TotalSeconds:F0} s and was killed\n{leftovers}\n{outcome.Result}");
        if (leftovers.Length > 0)
            Assert.Fail($"the job left things behind after its launcher exited:\n{leftovers}\n{outcome.Result}");
        if (!outcome.Drained)
            Assert.Fail($"the job's output pipes stayed open {DrainGrace.TotalSeconds:F0} s after its launcher exited\n{outcome.Result}");
        return outcome.Result;
    }

    private static void Kill(Process process, string marker, Action? beforeKill)
    {
        beforeKill?.Invoke();
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // exited meanwhile
        process.WaitForExit(5000);
        Leftovers.KillAll(marker);
    }
}
