using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class LaunchAgentTests
{
    [Fact]
    public void WithoutPlaceholderTheHostIsAppended()
    {
        var agent = LaunchAgent.Parse("ssh -o BatchMode=yes");
        Assert.Equal(["ssh", "-o", "BatchMode=yes", "node7"], agent.For("node7"));
        Assert.True(agent.RunsThroughShell);
    }

    [Fact]
    public void ThePlaceholderIsReplacedWhereverItIs()
    {
        var agent = LaunchAgent.Parse("ip netns exec {host}");
        Assert.Equal(["ip", "netns", "exec", "hpcA"], agent.For("hpcA"));
        Assert.False(agent.RunsThroughShell);
        Assert.Equal(["ssh", "me@n1.example", "-p", "22"], LaunchAgent.Parse("ssh me@{host}.example -p 22").For("n1"));
    }

    [Fact]
    public void QuotesGroupWords()
    {
        Assert.Equal(["sh", "-c", "exec ssh $0", "x"], LaunchAgent.Parse("sh -c 'exec ssh $0'").For("x"));
        Assert.Equal(["a b", "c\"d", "h"], LaunchAgent.Parse("\"a b\" c\\\"d").For("h"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("ssh 'unterminated")]
    [InlineData("ssh \"unterminated")]
    public void BadAgentsAreUsageErrors(string text)
    {
        Assert.Equal(ExitCodes.Usage, Assert.Throws<LauncherException>(() => LaunchAgent.Parse(text)).ExitCode);
    }

    [Fact]
    public void AShellAgentGetsTheRemoteCommandQuoted()
    {
        var ssh = LaunchAgent.Parse("/usr/bin/ssh");
        Assert.Equal(["/usr/bin/ssh", "n1", "/usr/bin/env", "A=1", "/opt/app", "'two words'", "'it'\\''s'", "''"],
            ssh.CommandFor("n1", ["/usr/bin/env", "A=1", "/opt/app", "two words", "it's", ""]));
    }

    [Fact]
    public void AnExecAgentGetsTheRemoteCommandAsItIs()
    {
        var netns = LaunchAgent.Parse("ip netns exec {host}");
        Assert.Equal(["ip", "netns", "exec", "hpcB", "/opt/app", "two words", "it's"],
            netns.CommandFor("hpcB", ["/opt/app", "two words", "it's"]));
        Assert.Equal("ip netns exec hpcB", netns.Describe("hpcB"));
    }

    [Theory]
    [InlineData("plain-word_1.2/x:y=z,@%+", "plain-word_1.2/x:y=z,@%+")]
    [InlineData("a b", "'a b'")]
    [InlineData("$HOME", "'$HOME'")]
    [InlineData("", "''")]
    [InlineData("'", "''\\'''")]
    public void QuoteIsMinimal(string word, string quoted)
    {
        Assert.Equal(quoted, ShellWords.Quote(word));
    }
}
