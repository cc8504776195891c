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

    /// <summary>--info shows what the ranks of a job started with the same options would see: a -x value
    /// replaces hpcrun's own and shows "-x" as its source, --iface shows as HPCMSG_IFACE's source, and a
    /// -x that hpcrun would refuse for a launch is refused here too.</summary>
    [Fact]
    public void Info_applies_the_options_that_set_rank_variables()
    {
        string text = Assert.IsType<InfoRequested>(LauncherCommandLine.Parse(
            ["-x", "HPCMSG_YIELDS=7", "-x", "HPCMSG_SPIN_US", "--iface", "lo", "--info"], 4,
            Env(("HPCMSG_YIELDS", "3"), ("HPCMSG_SPIN_US", "11"), ("HPCMSG_SLEEP_US", "2000")))).Text;
        Assert.Contains("= 7 (-x;", LineOf(text, "HPCMSG_YIELDS"), StringComparison.Ordinal);
        Assert.Contains("= 11 (-x;", LineOf(text, "HPCMSG_SPIN_US"), StringComparison.Ordinal);
        Assert.Contains("= 2000 (environment;", LineOf(text, "HPCMSG_SLEEP_US"), StringComparison.Ordinal);
        Assert.Contains("= lo (--iface;", LineOf(text, "HPCMSG_IFACE"), StringComparison.Ordinal);
        Assert.Contains(InfoCommand.EnvironmentReach, text, StringComparison.Ordinal);
        // -n on this host alone: the size, and oversubscription once the ranks outnumber the cores.
        string four = Assert.IsType<InfoRequested>(LauncherCommandLine.Parse(["-n", "4", "--info"], 4, Env())).Text;
        Assert.Contains("= 4 (-n;", LineOf(four, "HPCMSG_SIZE"), StringComparison.Ordinal);
        Assert.Contains("= (per rank) (set by launcher;", LineOf(four, "HPCMSG_OVERSUBSCRIBED"), StringComparison.Ordinal);
        string eight = Assert.IsType<InfoRequested>(LauncherCommandLine.Parse(["-n", "8", "--oversubscribe", "--info"], 4, Env())).Text;
        Assert.Contains("= 1 (-n 8 on 4 cores;", LineOf(eight, "HPCMSG_OVERSUBSCRIBED"), StringComparison.Ordinal);
        // With hosts named, placement decides per node: nothing is guessed.
        string hosts = Assert.IsType<InfoRequested>(LauncherCommandLine.Parse(["-n", "8", "--host", "a:4,b:4", "--info"], 4, Env())).Text;
        Assert.Contains("(per rank) (set by launcher;", LineOf(hosts, "HPCMSG_SIZE"), StringComparison.Ordinal);
        // The last -x of a name wins, as in the rank's environment; an invalid one says so.
        string twice = Assert.IsType<InfoRequested>(LauncherCommandLine.Parse(
            ["-x", "HPCMSG_SLEEP_US=300", "-x", "HPCMSG_SLEEP_US=5", "--info"], 4, Env())).Text;
        Assert.Contains("= 5 (-x;", LineOf(twice, "HPCMSG_SLEEP_US"), StringComparison.Ordinal);
        Assert.Contains("INVALID", LineOf(twice, "HPCMSG_SLEEP_US"), StringComparison.Ordinal);
        Assert.Contains("HPCMSG_RANK", Assert.IsType<UsageError>(
            LauncherCommandLine.Parse(["-x", "HPCMSG_RANK=1", "--info"], 4, Env())).Message, StringComparison.Ordinal);
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
        string output = RunInfo([], ("HPCMSG_EAGER_LIMIT", "4096"), ("HPCMSG_COLL_BCAST", "linear"));

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

    /// <summary>The built launcher given -x: the values are the ranks', shown as "-x", and HPCMSG_NETWORK
    /// from -x decides the network line (libfabric chosen, or Init's error where it is not usable),
    /// which names its source. Without the -x, the same environment gives auto's line.</summary>
    [Fact]
    public void The_launcher_applies_x_before_printing()
    {
        string plain = RunInfo([], ("HPCMSG_EAGER_LIMIT", "4096"));
        string given = RunInfo(["-x", "HPCMSG_EAGER_LIMIT=2048", "-x", "HPCMSG_NETWORK=ofi"], ("HPCMSG_EAGER_LIMIT", "4096"));

        Assert.Contains("= 2048 (-x;", LineOf(given, "HPCMSG_EAGER_LIMIT"), StringComparison.Ordinal);
        Assert.Contains("= ofi (-x; auto, tcp, ofi)", LineOf(given, "HPCMSG_NETWORK"), StringComparison.Ordinal);
        string network = NetworkLine(given);
        Assert.Contains("HPCMSG_NETWORK=ofi", network, StringComparison.Ordinal);
        Assert.EndsWith("(HPCMSG_NETWORK from -x)", network, StringComparison.Ordinal);
        Assert.True(network.Contains(": ofi (", StringComparison.Ordinal) || network.Contains(": nothing: Init would fail:", StringComparison.Ordinal), network);

        Assert.Contains("= 4096 (environment;", LineOf(plain, "HPCMSG_EAGER_LIMIT"), StringComparison.Ordinal);
        Assert.Contains(": auto", NetworkLine(plain), StringComparison.Ordinal);
        Assert.DoesNotContain("from -x", plain, StringComparison.Ordinal);
    }

    private static string NetworkLine(string output) =>
        output.Split('\n').SingleOrDefault(l => l.StartsWith("Between hosts a job started now uses: ", StringComparison.Ordinal))?.TrimEnd('\r')
        ?? throw new Xunit.Sdk.XunitException($"no network line in:\n{output}");

    /// <summary>Runs the built hpcrun with these options and --info, in an environment whose only HPCMSG_
    /// variables are <paramref name="environment"/>; returns its stdout.</summary>
    private static string RunInfo(string[] options, params (string Name, string Value)[] environment)
    {
        var psi = new ProcessStartInfo(BuildArtifacts.DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(BuildArtifacts.HpcRunDll);
        foreach (string option in options) psi.ArgumentList.Add(option);
        psi.ArgumentList.Add("--info");
        foreach (string name in psi.Environment.Keys.Where(k => k.StartsWith("HPCMSG_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(name);
        foreach (var (name, value) in environment) psi.Environment[name] = value;

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
        return output;
    }
}
