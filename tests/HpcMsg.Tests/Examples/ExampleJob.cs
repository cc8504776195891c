using System.Globalization;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Examples;

/// <summary>
/// Runs one of the examples under hpcrun: <c>dotnet HpcRun.dll -n N [--oversubscribe] --timeout 120
/// &lt;Example&gt;.dll args</c>, with the same hard limit and leftover checks as <see cref="JobRunner"/>
/// (which runs the test app only). The examples' dlls are next to the test assembly through the
/// ProjectReferences in HpcMsg.Tests.csproj.
/// </summary>
internal static class ExampleJob
{
    private static readonly TimeSpan HardTimeout = TimeSpan.FromSeconds(150);
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(3);

    public static string ExampleDll(string example)
    {
        string path = Path.Combine(AppContext.BaseDirectory, example + ".dll");
        Assert.True(File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")),
            $"{example}.dll (and its .runtimeconfig.json) must be in {AppContext.BaseDirectory}; is the ProjectReference to examples/{example} in HpcMsg.Tests.csproj missing?");
        return path;
    }

    public static JobResult Run(ITestOutputHelper log, string example, int np, params string[] exampleArgs)
    {
        string marker = MarkedProcess.NewMarker();
        List<string> arguments =
        [
            BuildArtifacts.HpcRunDll, "-n", np.ToString(CultureInfo.InvariantCulture),
            .. np > Environment.ProcessorCount ? ["--oversubscribe"] : Array.Empty<string>(),
            "-x", $"{JobRunner.MarkerVariable}={marker}", "--timeout", "120",
            ExampleDll(example), .. exampleArgs,
        ];
        string commandLine = $"{BuildArtifacts.DotnetHost} {string.Join(' ', arguments)}";
        HashSet<string> shmBefore = Leftovers.ShmFiles();

        MarkedProcess.Outcome outcome = MarkedProcess.Run(MarkedProcess.StartInfo(BuildArtifacts.DotnetHost, arguments, marker), commandLine, HardTimeout);
        string leftovers = Leftovers.CheckAndClean(marker, outcome.Pid, shmBefore, ExitGrace);
        log.WriteLine($"[{example} np={np}] exit {outcome.Result.ExitCode} in {outcome.Result.Elapsed.TotalSeconds:F1} s");
        log.WriteLine(outcome.Result.Stdout.TrimEnd());
        return MarkedProcess.AssertFinishedClean(outcome, leftovers);
    }

    /// <summary>Exit code 0, the example's "&lt;Name&gt; OK:" summary line and its TIME_S line.</summary>
    public static void AssertVerified(JobResult result, string example)
    {
        string[] lines = result.Stdout.Split('\n');
        Assert.True(result.ExitCode == 0, $"expected exit code 0\n{result}");
        Assert.True(lines.Any(l => l.StartsWith($"{example} OK: ", StringComparison.Ordinal)), $"expected a line starting '{example} OK: '\n{result}");
        Assert.True(lines.Any(l => l.StartsWith("TIME_S ", StringComparison.Ordinal) && double.TryParse(l[7..], NumberStyles.Float, CultureInfo.InvariantCulture, out double t) && t >= 0),
            $"expected a line 'TIME_S <seconds>'\n{result}");
    }
}
