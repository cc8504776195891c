using System.Diagnostics;
using HpcMsg.Configuration;
using HpcMsg.Tests.Infrastructure;
using HpcRun;

namespace HpcMsg.Tests.Launcher;

/// <summary>hpcrun --info: each parameter with its value and source, and the transports; runs nothing.</summary>
public sealed class InfoCommandTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();

    private static string LineOf(string output, string name) =>
        output.Split('\n').SingleOrDefault(l => l.TrimStart().StartsWith(name + " ", StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"no line for {name} in:\n{output}");

    [Fact]
    public void Info_is_parsed_before_anything_else_and_needs_no_rank_count()
    {
        ParseOutcome outcome = LauncherCommandLine.Parse(["--info"], 4, Env(("HPCMSG_YIELDS", "3")));
        string text = Assert.IsType<InfoRequested>(outcome).Text;
        Assert.Contains("= 3 (environment;", LineOf(text, "HPCMSG_YIELDS"), StringComparison.Ordinal);
        // With other options and a program, it still runs nothing.
        Assert.IsType<InfoRequested>(LauncherCommandLine.Parse(["-n", "2", "--info", "app.dll"], 4, Env()));
    }

    [Fact]
    public void Each_line_says_value_and_source()
    {
        int width = Parameters.All.Max(p => p.Name.Length);
        Assert.Equal($"  {"HPCMSG_SLEEP_US".PadRight(width)} = 20000 (default; an integer in [100, 1000000])",
            InfoCommand.Line(Parameters.SleepMicros, Env(), width));
        Assert.Contains("= 1000 (environment;", InfoCommand.Line(Parameters.SleepMicros, Env(("HPCMSG_SLEEP_US", "1000")), width), StringComparison.Ordinal);
        Assert.Contains("= (per rank) (set by launcher;", InfoCommand.Line(Parameters.Rank, Env(), width), StringComparison.Ordinal);
        string bad = InfoCommand.Line(Parameters.SleepMicros, Env(("HPCMSG_SLEEP_US", "5")), width);
        Assert.Contains("INVALID", bad, StringComparison.Ordinal);
        Assert.Contains("HPCMSG_SLEEP_US='5'", bad, StringComparison.Ordinal);
        // The job's secret is never printed.
        string secret = InfoCommand.Line(Parameters.Secret, Env(("HPCMSG_SECRET", "deadbeef")), width);
        Assert.DoesNotContain("deadbeef", secret, StringComparison.Ordinal);
        Assert.Contains("(hidden)", secret, StringComparison.Ordinal);
    }

    /// <summary>The built launcher, as a user runs it: a variable set in its environment shows as
    /// "environment", the others as "default", launcher variables as "set by launcher", then the transports.</summary>
    [Fact]
    public void The_launcher_prints_every_parameter_and_the_transports()
    {
        var psi = new ProcessStartInfo(BuildArtifacts.DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(BuildArtifacts.HpcRunDll);
        psi.ArgumentList.Add("--info");
        foreach (string name in psi.Environment.Keys.Where(k => k.StartsWith("HPCMSG_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(name);
        psi.Environment["HPCMSG_EAGER_LIMIT"] = "4096";
        psi.Environment["HPCMSG_COLL_BCAST"] = "linear";

        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("could not start hpcrun");
        var stdout = new OutputCollector(p.StandardOutput);
        var stderr = new OutputCollector(p.StandardError);
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"hpcrun --info did not finish within 60 s\n{stdout.Snapshot()}{stderr.Snapshot()}");
        }
        stdout.WaitForEnd(TimeSpan.FromSeconds(5));
        stderr.WaitForEnd(TimeSpan.FromSeconds(5));
        string output = stdout.Snapshot();
        Assert.True(p.ExitCode == 0, $"hpcrun --info exited {p.ExitCode}\n{output}{stderr.Snapshot()}");

        Assert.Contains("= 4096 (environment;", LineOf(output, "HPCMSG_EAGER_LIMIT"), StringComparison.Ordinal);
        Assert.Contains("= linear (environment;", LineOf(output, "HPCMSG_COLL_BCAST"), StringComparison.Ordinal);
        Assert.Contains("= 65536 (default;", LineOf(output, "HPCMSG_TCP_EAGER_LIMIT"), StringComparison.Ordinal);
        Assert.Contains("= auto (default; auto, tcp, ofi)", LineOf(output, "HPCMSG_NETWORK"), StringComparison.Ordinal);
        Assert.Contains("(set by launcher;", LineOf(output, "HPCMSG_RANK"), StringComparison.Ordinal);
        foreach (Parameter parameter in Parameters.All) LineOf(output, parameter.Name);
        Assert.Contains("Transports on this machine:", output, StringComparison.Ordinal);
        Assert.Contains("shared memory: available", output, StringComparison.Ordinal); // /dev/shm is writable wherever these tests run
        Assert.Contains("tcp: available; interfaces: lo 127.0.0.1", output, StringComparison.Ordinal);
        Assert.Contains("libfabric (HPCMSG_NETWORK=ofi): ", output, StringComparison.Ordinal);
    }
}
