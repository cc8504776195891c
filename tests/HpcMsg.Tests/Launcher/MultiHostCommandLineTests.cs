using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class MultiHostCommandLineTests
{
    private const int Cores = 2;

    private static readonly Dictionary<string, string> Files = new()
    {
        ["hosts"] = "# two hosts\nhpcA slots=2\nhpcB slots=2\n",
        ["bad"] = "hpcA slots=2\nhpcB slots=lots\n",
        ["bounded"] = "hpcA slots=2 max_slots=3\nhpcB slots=1 max-slots=2\n",
    };

    private static ParseOutcome Parse(params string[] args) =>
        LauncherCommandLine.Parse(args, Cores, _ => null,
            name => Files.TryGetValue(name, out string? text) ? text : throw new FileNotFoundException($"Could not find file '{name}'."));

    private static LauncherOptions Launch(params string[] args) => Assert.IsType<LaunchRequested>(Parse(args)).Options;

    private static string Error(params string[] args) => Assert.IsType<UsageError>(Parse(args)).Message;

    [Fact]
    public void HostfileGivesThePlacementAndTheSlots()
    {
        LauncherOptions o = Launch("-n", "4", "--hostfile", "hosts", "--launch-agent", "ip netns exec {host}",
            "--iface", "10.213.0.0/24", "app.dll", "x");
        Assert.Equal(4, o.Slots);
        Assert.Equal([new NodePlacement("hpcA", 2, 0, 2), new NodePlacement("hpcB", 2, 2, 2)], o.Placement);
        Assert.Equal(["ip", "netns", "exec", "hpcA"], o.LaunchAgent.For("hpcA"));
        Assert.Equal("10.213.0.0/24", o.Iface);
        Assert.Equal("app.dll", o.Target);
        Assert.Equal(["x"], o.AppArguments);
        Assert.False(o.IsOversubscribed);
    }

    [Fact]
    public void HostSlotsReplaceThisHostsCores()
    {
        // 6 ranks on a 2-core machine are fine when the hosts have 6 slots.
        LauncherOptions o = Launch("-n", "6", "--host", "a:2,b:2,c:2", "app.dll");
        Assert.Equal(3, o.Placement!.Count);
        Assert.Equal(LaunchAgent.Default, o.LaunchAgent.Text);
        Assert.Null(o.Iface);
    }

    [Fact]
    public void MoreRanksThanSlotsNeedOversubscribe()
    {
        Assert.Contains("the hosts (hosts) have only 4 slots", Error("-n", "5", "--hostfile", "hosts", "app.dll"), StringComparison.Ordinal);
        Assert.Contains("--oversubscribe", Error("-n", "3", "--host", "a,b", "app.dll"), StringComparison.Ordinal);
        LauncherOptions o = Launch("-n", "5", "--oversubscribe", "--hostfile", "hosts", "app.dll");
        Assert.Equal([3, 2], o.Placement!.Select(n => n.RankCount));
    }

    /// <summary>max_slots: --oversubscribe goes up to the hosts' bounds and no further, and the message
    /// names the file and the bound.</summary>
    [Fact]
    public void MaxSlotsBoundTheRanksEvenWithOversubscribe()
    {
        Assert.Contains("--oversubscribe", Error("-n", "4", "--hostfile", "bounded", "app.dll"), StringComparison.Ordinal);
        LauncherOptions o = Launch("-n", "5", "--oversubscribe", "--hostfile", "bounded", "app.dll");
        Assert.Equal([3, 2], o.Placement!.Select(n => n.RankCount));
        string e = Error("-n", "6", "--oversubscribe", "--hostfile", "bounded", "app.dll");
        Assert.Contains("6 ranks requested but the hosts (bounded) take at most 5 (their max_slots)", e, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutHostsNothingChanges()
    {
        LauncherOptions o = Launch("-n", "2", "app.dll");
        Assert.Null(o.Placement);
        Assert.Equal(Cores, o.Slots);
    }

    [Fact]
    public void HostfileErrorsNameTheFileAndLine()
    {
        Assert.StartsWith("bad:2: bad slots value 'lots'", Error("-n", "2", "--hostfile", "bad", "app.dll"), StringComparison.Ordinal);
        Assert.StartsWith("cannot read the hostfile missing:", Error("-n", "2", "--hostfile", "missing", "app.dll"), StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsThatConflictOrAreMalformedAreRefused()
    {
        Assert.Equal("give --hostfile or --host, not both", Error("-n", "2", "--hostfile", "hosts", "--host", "a", "app.dll"));
        Assert.StartsWith("--host: bad slot count", Error("-n", "2", "--host", "a:0", "app.dll"), StringComparison.Ordinal);
        Assert.StartsWith("--iface '300.0.0.0/8'", Error("-n", "2", "--host", "a,b", "--iface", "300.0.0.0/8", "app.dll"), StringComparison.Ordinal);
        Assert.StartsWith("--launch-agent", Error("-n", "2", "--host", "a,b", "--launch-agent", "ssh 'x", "app.dll"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HPCMSG_SECRET")]
    [InlineData("HPCMSG_RENDEZVOUS")]
    [InlineData("HPCMSG_LOCAL_RANK")]
    [InlineData("HPCMSG_IFACE_ADDR")]
    public void TheJobsOwnVariablesCannotBeForwarded(string name)
    {
        Assert.Contains("hpcrun sets", Error("-n", "2", "-x", $"{name}=1", "app.dll"), StringComparison.Ordinal);
    }

    [Fact]
    public void NewOptionsStopAtTheProgramLikeTheOthers()
    {
        LauncherOptions o = Launch("-n", "2", "--host", "a,b", "app.dll", "--host", "c");
        Assert.Equal(["--host", "c"], o.AppArguments);
    }
}
