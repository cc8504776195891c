using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class RankLaunchTests
{
    private static readonly LaunchCommand App = new("/usr/bin/dotnet", ["/opt/app.dll", "in put"]);

    private static readonly KeyValuePair<string, string?>[] Env =
    [
        new("FOO", "bar baz"),
        new("HPCMSG_RANK", "2"),
        new("HPCMSG_SECRET", null),
        new("HPCMSG_SECRET_STDIN", "1"),
    ];

    [Fact]
    public void ARemoteRankRunsTheProgramThroughEnvBehindTheAgent()
    {
        var launch = RankLaunch.Remote(2, "hpcB", LaunchAgent.Parse("ip netns exec {host}"), App, Env, "C0FFEE");
        Assert.Equal("ip", launch.FileName);
        Assert.Equal(["netns", "exec", "hpcB", "/usr/bin/env", "-u", "HPCMSG_SECRET", "FOO=bar baz", "HPCMSG_RANK=2",
            "HPCMSG_SECRET_STDIN=1", "/usr/bin/dotnet", "/opt/app.dll", "in put"], launch.Arguments);
        Assert.Equal("C0FFEE", launch.StdinSecret);
        Assert.Equal("ip netns exec hpcB", launch.Agent);
        Assert.True(launch.ThroughAgent);
    }

    [Fact]
    public void TheSecretIsNeverOnTheCommandLineNorInTheAgentsEnvironment()
    {
        var launch = RankLaunch.Remote(0, "n1", LaunchAgent.Parse("ssh"), App, Env, "C0FFEE");
        Assert.DoesNotContain(launch.Arguments, a => a.Contains("C0FFEE", StringComparison.Ordinal));
        Assert.DoesNotContain(launch.Environment, v => v.Value is not null && v.Value.Contains("C0FFEE", StringComparison.Ordinal));
        // The agent's own environment drops the job's variables; the remote side gets them through env.
        Assert.All(launch.Environment, v => Assert.Null(v.Value));
        Assert.Contains(launch.Environment, v => v.Key == "HPCMSG_RANK");
    }

    [Fact]
    public void SshGetsAQuotedRemoteCommand()
    {
        var launch = RankLaunch.Remote(1, "n1", LaunchAgent.Parse("ssh"), App, Env, "C0FFEE");
        Assert.Equal("ssh", launch.FileName);
        Assert.Contains("'FOO=bar baz'", launch.Arguments);
        Assert.Contains("'in put'", launch.Arguments);
        Assert.Equal("n1", launch.Arguments[0]);
    }

    [Fact]
    public void ALocalRankRunsTheProgramItself()
    {
        var launch = RankLaunch.Local(0, "localhost", App, Env);
        Assert.Equal("/usr/bin/dotnet", launch.FileName);
        Assert.Equal(App.Arguments, launch.Arguments);
        Assert.False(launch.ThroughAgent);
        Assert.Null(launch.StdinSecret);
        Assert.Same(Env, launch.Environment);
    }
}
