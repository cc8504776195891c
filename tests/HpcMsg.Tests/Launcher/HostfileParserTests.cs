using HpcMsg.Tests.Infrastructure;
using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class HostfileParserTests
{
    private static IReadOnlyList<HostSpec> Parse(string text) => HostfileParser.Parse("hosts.txt", text);

    private static string Error(string text) =>
        Assert.Throws<LauncherException>(() => HostfileParser.Parse("hosts.txt", text)).Message;

    [Fact]
    public void ReadsNamesSlotsCommentsAndBlankLines()
    {
        var hosts = Parse("""
            # the cluster
            node01 slots=4   # a big one

            node02 slots = 2
              node03
            10.0.0.7 slots=1
            user@node04 slots=8
            """);
        Assert.Equal(
        [
            new HostSpec("node01", 4), new HostSpec("node02", 2), new HostSpec("node03", 1),
            new HostSpec("10.0.0.7", 1), new HostSpec("user@node04", 8),
        ], hosts);
    }

    [Fact]
    public void AcceptsWindowsLineEndingsAndTabs()
    {
        Assert.Equal([new HostSpec("a", 2), new HostSpec("b", 1)], Parse("a\tslots=2\r\nb\r\n"));
    }

    [Fact]
    public void TheHostfileExampleParses()
    {
        string path = Path.Combine(RepositoryRoot.Path, "hostfile.example");
        var hosts = HostfileParser.Parse(path, File.ReadAllText(path));
        Assert.NotEmpty(hosts);
    }

    [Theory]
    [InlineData("a slots=2\nb max_slots=4\n", "hosts.txt:2: unknown keyword 'max_slots'")]
    [InlineData("a cpus=2\n", "hosts.txt:1: unknown keyword 'cpus'")]
    [InlineData("a 4\n", "hosts.txt:1: unknown keyword '4'")]
    [InlineData("# x\n\na slots=0\n", "hosts.txt:3: bad slots value '0'")]
    [InlineData("a slots=-1\n", "hosts.txt:1: bad slots value '-1'")]
    [InlineData("a slots=two\n", "hosts.txt:1: bad slots value 'two'")]
    [InlineData("a slots=\n", "hosts.txt:1: bad slots value ''")]
    [InlineData("a slots=99999999999\n", "hosts.txt:1: bad slots value '99999999999'")]
    [InlineData("a slots=1 slots=2\n", "hosts.txt:1: slots= given twice")]
    [InlineData("a\nb\n# c\nA slots=2\n", "hosts.txt:4: host 'A' is already listed on line 1")]
    [InlineData("slots=2\n", "hosts.txt:1: 'slots=2' is not a host name")]
    [InlineData("a;rm slots=2\n", "hosts.txt:1: 'a;rm' is not a host name")]
    public void ErrorsNameTheFileAndLine(string text, string expected)
    {
        Assert.StartsWith(expected, Error(text), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only comments\n\n   \n")]
    public void AFileWithoutHostsIsAnError(string text)
    {
        Assert.Equal("hosts.txt: no hosts in the file", Error(text));
    }

    [Fact]
    public void ErrorsAreUsageErrors()
    {
        Assert.Equal(ExitCodes.Usage, Assert.Throws<LauncherException>(() => Parse("a slots=x")).ExitCode);
    }

}
