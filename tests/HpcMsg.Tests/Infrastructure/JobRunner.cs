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
        string marker = MarkedProcess.NewMarker();
        List<string> arguments = BuildArguments(spec, marker);
        string program = spec.Launcher ?? BuildArtifacts.DotnetHost;
        string commandLine = $"{program} {string.Join(' ', arguments)}";
        HashSet<string> shmBefore = Leftovers.ShmFiles();

        ProcessStartInfo startInfo = MarkedProcess.StartInfo(program, arguments, marker); // in hpcrun's own environment too
        // A lone process must not find a launcher's job description (these tests may themselves run under hpcrun).
        if (spec.WithoutLauncher) MarkedProcess.RemoveInherited(startInfo, "HPCMSG_");
        foreach ((string name, string? value) in spec.Environment)
        {
            if (value is null) startInfo.Environment.Remove(name);
            else startInfo.Environment[name] = value;
        }
        startInfo.Environment[MarkerVariable] = marker; // whatever spec.Environment said

        MarkedProcess.Outcome outcome = MarkedProcess.Run(startInfo, commandLine, spec.HardTimeout, whileRunning);
        string leftovers = Leftovers.CheckAndClean(marker, outcome.Pid, shmBefore, ExitGrace);
        log?.WriteLine($"[{spec}] exit {outcome.Result.ExitCode} in {outcome.Result.Elapsed.TotalSeconds:F1} s");
        return MarkedProcess.AssertFinishedClean(outcome, leftovers);
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
}
