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
    [InlineData("a slots=2\nb maxslots=4\n", "hosts.txt:2: unknown keyword 'maxslots'")]
    [InlineData("a max_slots=0\n", "hosts.txt:1: bad max_slots value '0'")]
    [InlineData("a max-slots=x\n", "hosts.txt:1: bad max-slots value 'x'")]
    [InlineData("a max_slots=2 max-slots=3\n", "hosts.txt:1: max_slots= given twice")]
    [InlineData("a\nb slots=4 max_slots=2\n", "hosts.txt:2: max_slots=2 is below slots=4")]
    [InlineData("a cpus=2\n", "hosts.txt:1: unknown keyword 'cpus'")]
    [InlineData("a 4\n", "hosts.txt:1: unknown keyword '4'")]
    [InlineData("# x\n\na slots=0\n", "hosts.txt:3: bad slots value '0'")]
    [InlineData("a slots=-1\n", "hosts.txt:1: bad slots value '-1'")]
    [InlineData("a slots=two\n", "hosts.txt:1: bad slots value 'two'")]
    [InlineData("a slots=\n", "hosts.txt:1: bad slots value ''")]
    [InlineData("a slots=99999999999\n", "hosts.txt:1: bad slots value '99999999999'")]
    [InlineData("a slots=1 slots=2\n", "hosts.txt:1: slots= given twice")]
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

    /// <summary>Open MPI's max_slots (or max-slots): the most ranks a host takes even with
    /// --oversubscribe; alone, it is the slots too.</summary>
    [Fact]
    public void ReadsMaxSlots()
    {
        Assert.Equal(
            [new HostSpec("a", 2, 4), new HostSpec("b", 3, 3), new HostSpec("c", 1, null)],
            Parse("a slots=2 max_slots=4\nb max-slots = 3\nc\n"));
    }

    /// <summary>A host listed again adds its slots to the first line's, in the first line's place (as
    /// Open MPI and MPICH read a hostfile that names a node once per slot); names compare without case.</summary>
    [Fact]
    public void AHostListedAgainAddsItsSlots()
    {
        Assert.Equal([new HostSpec("a", 3), new HostSpec("b", 1)], Parse("a\nb\n# c\nA slots=2\n"));
        Assert.Equal([new HostSpec("n1", 4)], Parse("n1\nn1\nn1\nn1\n"));
        Assert.Equal([new HostSpec("a", 3, 5), new HostSpec("b", 1)], Parse("a max_slots=2\nb\na slots=1 max_slots=3\n"));
        Assert.Equal([new HostSpec("a", 3, null)], Parse("a max_slots=2\na\n"));
    }

    [Fact]
    public void ErrorsAreUsageErrors()
    {
        Assert.Equal(ExitCodes.Usage, Assert.Throws<LauncherException>(() => Parse("a slots=x")).ExitCode);
    }

}
