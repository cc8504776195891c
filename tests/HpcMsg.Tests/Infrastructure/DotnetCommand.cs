using System.Diagnostics;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>Runs a dotnet CLI command (pack, new, tool, build, docfx) as a user's shell would, with a
/// time limit, and fails the test with its output when it fails.</summary>
public static class DotnetCommand
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    public static void Run(ITestOutputHelper log, string directory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var psi = new ProcessStartInfo(BuildArtifacts.DotnetHost)
        {
            WorkingDirectory = directory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        // The test host inherits the variables of `dotnet test`'s own MSBuild; a build of another
        // project must find its SDK and settings afresh.
        foreach (string name in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "MSBUILD_EXE_PATH").ToList())
            psi.Environment.Remove(name);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // No build server may outlive the test.
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["UseSharedCompilation"] = "false";
        foreach ((string name, string? value) in environment)
        {
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        }

        string command = $"dotnet {string.Join(' ', args)} (in {directory})";
        var clock = Stopwatch.StartNew();
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {command}");
        p.StandardInput.Close();
        var stdout = new OutputCollector(p.StandardOutput);
        var stderr = new OutputCollector(p.StandardError);
        if (!p.WaitForExit(Limit))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{command} did not finish within {Limit.TotalMinutes:F0} min\n{stdout.Snapshot()}{stderr.Snapshot()}");
        }
        stdout.WaitForEnd(TimeSpan.FromSeconds(5));
        stderr.WaitForEnd(TimeSpan.FromSeconds(5));
        log.WriteLine($"{command}: exit {p.ExitCode} in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(p.ExitCode == 0, $"{command} exited with {p.ExitCode}\n{stdout.Snapshot()}{stderr.Snapshot()}");
    }

    public static void Run(ITestOutputHelper log, string directory, params string[] args) =>
        Run(log, directory, new Dictionary<string, string?>(), args);
}
