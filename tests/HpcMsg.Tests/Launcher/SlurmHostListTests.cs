using HpcRun;

namespace HpcMsg.Tests.Launcher;

/// <summary>Every hostlist form Slurm documents (slurm_hostlist_create(3), Slurm::Hostlist(3pm),
/// SLURM_JOB_NODELIST in sbatch(1)), and bad input that must fail with the text quoted.</summary>
public sealed class SlurmHostListTests
{
    [Theory]
    [InlineData("n1", new[] { "n1" })]
    [InlineData("vm", new[] { "vm" })]
    [InlineData("a,b", new[] { "a", "b" })]
    [InlineData("a b\tc", new[] { "a", "b", "c" })] // white space separates too
    [InlineData("n[1-3]", new[] { "n1", "n2", "n3" })]
    [InlineData("n[5]", new[] { "n5" })]
    [InlineData("linux[1-3,6]", new[] { "linux1", "linux2", "linux3", "linux6" })]
    [InlineData("node[01-04,07],gpu3", new[] { "node01", "node02", "node03", "node04", "node07", "gpu3" })]
    [InlineData("node[08-11]", new[] { "node08", "node09", "node10", "node11" })] // padding kept across the carry
    [InlineData("node[8-11]", new[] { "node8", "node9", "node10", "node11" })]
    [InlineData("n[0-2]", new[] { "n0", "n1", "n2" })]
    [InlineData("n[098-101]", new[] { "n098", "n099", "n100", "n101" })]
    [InlineData("node1,node[2-5,12]", new[] { "node1", "node2", "node3", "node4", "node5", "node12" })]
    [InlineData("tux[0-1,12,20-21]", new[] { "tux0", "tux1", "tux12", "tux20", "tux21" })]
    [InlineData("rack[1-2]-node[01-02]", new[] { "rack1-node01", "rack1-node02", "rack2-node01", "rack2-node02" })]
    [InlineData("n[1-2]a", new[] { "n1a", "n2a" })] // text after the bracket
    [InlineData("[1-2]x", new[] { "1x", "2x" })]
    [InlineData("clip-a-[1,3],clip-b-[2-3]", new[] { "clip-a-1", "clip-a-3", "clip-b-2", "clip-b-3" })]
    [InlineData("host.example.org,n[1-2].example.org", new[] { "host.example.org", "n1.example.org", "n2.example.org" })]
    [InlineData("bgl[00x11]", new[] { "bgl00", "bgl01", "bgl10", "bgl11" })] // the 3-D prism form, 2 digits here
    [InlineData("bgl[123x124]", new[] { "bgl123", "bgl124" })]
    public void Expands(string text, string[] expected) => Assert.Equal(expected, SlurmHostList.Expand(text));

    [Fact]
    public void TheDocumentedPrismHas64Nodes()
    {
        IReadOnlyList<string> hosts = SlurmHostList.Expand("bgl[123x456]");
        Assert.Equal(64, hosts.Count);
        Assert.Equal("bgl123", hosts[0]);
        Assert.Equal("bgl456", hosts[^1]);
        Assert.Contains("bgl245", hosts);
    }

    [Theory]
    [InlineData("", "no host")]
    [InlineData("n[1-3", "'[' without ']'")]
    [InlineData("n1-3]", "']' without '['")]
    [InlineData("n[]", "empty brackets")]
    [InlineData("n[3-1]", "runs backwards")]
    [InlineData("n[a-c]", "not a number")]
    [InlineData("n[1-]", "not a number")]
    [InlineData("n[1,,2]", "an empty range")]
    [InlineData("a,,b", "an empty item between commas")]
    [InlineData("a,b,", "an empty item after the last comma")]
    [InlineData("n[[1-2]]", "inside brackets")]
    [InlineData("n[1-99999999]", "more than")]
    [InlineData("bgl[12x3]", "not a prism")]
    [InlineData("bgl[21x12]", "runs backwards")]
    public void BadInputIsAnErrorQuotingTheText(string text, string why)
    {
        FormatException e = Assert.Throws<FormatException>(() => SlurmHostList.Expand(text));
        Assert.StartsWith($"'{text}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }
}

public sealed class SlurmTasksPerNodeTests
{
    [Theory]
    [InlineData("1", new[] { 1 })]
    [InlineData("4", new[] { 4 })]
    [InlineData("2(x3),1", new[] { 2, 2, 2, 1 })] // sbatch(1)'s example
    [InlineData("1(x3)", new[] { 1, 1, 1 })]
    [InlineData("2(x2),1", new[] { 2, 2, 1 })]
    [InlineData("40,8", new[] { 40, 8 })]
    [InlineData("8(x2),4(x1),2", new[] { 8, 8, 4, 2 })]
    [InlineData("0,2", new[] { 0, 2 })]
    public void Expands(string text, int[] expected) => Assert.Equal(expected, SlurmTasksPerNode.Parse(text));

    [Theory]
    [InlineData("", "an empty item")]
    [InlineData("2,,1", "an empty item")]
    [InlineData("two", "not N or N(xR)")]
    [InlineData("2(x)", "not N or N(xR)")]
    [InlineData("2(3)", "not N or N(xR)")]
    [InlineData("2(x0)", "R at least 1")]
    [InlineData("2(x3", "not N or N(xR)")]
    [InlineData("-1", "not N or N(xR)")]
    [InlineData("1(x9999999999)", "not N or N(xR)")]
    public void BadInputIsAnErrorQuotingTheText(string text, string why)
    {
        FormatException e = Assert.Throws<FormatException>(() => SlurmTasksPerNode.Parse(text));
        Assert.StartsWith($"'{text}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }
}
