using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class HostListParserTests
{
    [Fact]
    public void SlotsDefaultToOne()
    {
        Assert.Equal([new HostSpec("h1", 2), new HostSpec("h2", 1), new HostSpec("10.0.0.3", 4)],
            HostListParser.Parse("h1:2,h2,10.0.0.3:4"));
    }

    /// <summary>Open MPI's --host a,a: a host named twice has the slots of both, in its first place.</summary>
    [Fact]
    public void AHostNamedTwiceHasTheSlotsOfBoth()
    {
        Assert.Equal([new HostSpec("h1", 3), new HostSpec("h2", 1)], HostListParser.Parse("h1,h2,H1:2"));
    }

    [Theory]
    [InlineData("h1,,h2", "--host: empty host")]
    [InlineData("h1:0", "--host: bad slot count in 'h1:0'")]
    [InlineData("h1:x", "--host: bad slot count in 'h1:x'")]
    [InlineData("h1:", "--host: bad slot count in 'h1:'")]
    [InlineData(":3", "--host: '' is not a host name")]
    [InlineData("h 1", "--host: 'h 1' is not a host name")]
    public void ErrorsNameTheBadItem(string text, string expected)
    {
        var e = Assert.Throws<LauncherException>(() => HostListParser.Parse(text));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }
}
