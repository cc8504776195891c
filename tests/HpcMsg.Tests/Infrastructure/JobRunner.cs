using System.Diagnostics;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>
/// Runs the test app under hpcrun as a separate process tree, with a hard limit past which the whole
/// tree is killed and the test fails. After every job it checks that nothing of the job is left (no
/// process carrying the job's marker, no new /dev/shm/hpcmsg-* file) and fails the test otherwise.
/// Judging the exit code and output is the caller's business.
/// </summary>
public static class JobRunner
{
    public const string MarkerVariable = "HPCMSG_TEST_MARKER";

    /// <summary>How long ranks may take to disappear after hpcrun has exited (zombie reaping, unmapping).</summary>
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(3);

    /// <param name="whileRunning">Called with hpcrun's pid and the job's marker once hpcrun has started
    /// (before waiting for it).</param>
    public static JobResult Run(JobSpec spec, ITestOutputHelper? log = null, Action<int, string>? whileRunning = null)
    {
        string marker = $"hpcmsg-test-{Guid.NewGuid():N}";
        List<string> arguments = BuildArguments(spec, marker);
        string commandLine = $"{spec.Launcher ?? BuildArtifacts.DotnetHost} {string.Join(' ', arguments)}";
        HashSet<string> shmBefore = Leftovers.ShmFiles();

        var startInfo = new ProcessStartInfo(spec.Launcher ?? BuildArtifacts.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) startInfo.ArgumentList.Add(a);
        if (spec.WithoutLauncher)
        {
            // A lone process must not find a launcher's job description (these tests may themselves run under hpcrun).
            foreach (string name in startInfo.Environment.Keys.Where(k => k.StartsWith("HPCMSG_", StringComparison.Ordinal)).ToList())
                startInfo.Environment.Remove(name);
        }
        foreach ((string name, string? value) in spec.Environment)
        {
            if (value is null) startInfo.Environment.Remove(name);
            else startInfo.Environment[name] = value;
        }
        startInfo.Environment[MarkerVariable] = marker; // also in hpcrun's own environment

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {commandLine}");
        process.StandardInput.Close();
        var stdout = new OutputCollector(process.StandardOutput);
        var stderr = new OutputCollector(process.StandardError);
        int launcherPid = process.Id;
        try
        {
            whileRunning?.Invoke(launcherPid, marker);
        }
        catch
        {
            KillTree(process);
            Leftovers.KillAll(marker);
            throw;
        }

        bool exited = process.WaitForExit(spec.HardTimeout);
        TimeSpan elapsed = clock.Elapsed;
        if (!exited)
        {
            KillTree(process);
            Leftovers.KillAll(marker);
        }
        // The pipes end when every process holding them has gone; a rank left running keeps them open.
        bool drained = stdout.WaitForEnd(ExitGrace) & stderr.WaitForEnd(ExitGrace);
        string leftovers = Leftovers.CheckAndClean(marker, launcherPid, shmBefore, ExitGrace);

        var result = new JobResult(commandLine, exited ? process.ExitCode : -1, stdout.Snapshot(), stderr.Snapshot(), elapsed);
        log?.WriteLine($"[{spec}] exit {result.ExitCode} in {elapsed.TotalSeconds:F1} s");
        if (!exited)
            Assert.Fail($"the job did not finish within {spec.HardTimeout.TotalSeconds:F0} s and was killed\n{result}");
        if (leftovers.Length > 0)
            Assert.Fail($"the job left things behind after hpcrun exited:\n{leftovers}\n{result}");
        if (!drained)
            Assert.Fail($"the job's output pipes stayed open {ExitGrace.TotalSeconds:F0} s after hpcrun exited\n{result}");
        return result;
    }

    public static JobResult Run(int np, string scenario, params string[] scenarioArgs) =>
        Run(new JobSpec(np, scenario, scenarioArgs));

    private static List<string> BuildArguments(JobSpec spec, string marker)
    {
        if (spec.WithoutLauncher)
        {
            if (spec.Np != 1) throw new ArgumentException("a job without the launcher has exactly one rank", nameof(spec));
            return [BuildArtifacts.TestAppDll, spec.Scenario, .. spec.ScenarioArgs];
        }
        var a = new List<string>();
        if (spec.Launcher is null) a.Add(BuildArtifacts.HpcRunDll);
        a.AddRange(["-n", spec.Np.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (spec.Oversubscribe) a.Add("--oversubscribe");
        a.AddRange(["-x", $"{MarkerVariable}={marker}"]);
        a.AddRange(spec.LauncherArgs);
        if (spec.LauncherTimeoutSeconds is int t) a.AddRange(["--timeout", t.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        a.Add(spec.Program ?? BuildArtifacts.TestAppDll);
        if (spec.Scenario.Length > 0) a.Add(spec.Scenario);
        a.AddRange(spec.ScenarioArgs);
        return a;
    }

    private static void KillTree(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // exited meanwhile
        process.WaitForExit(5000);
    }
}
