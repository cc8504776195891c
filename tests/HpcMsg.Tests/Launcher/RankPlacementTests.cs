using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class RankPlacementTests
{
    private static readonly HostSpec[] AB = [new("a", 2), new("b", 2)];

    private static (string Host, int First, int Count)[] Place(IReadOnlyList<HostSpec> hosts, int np) =>
        [.. RankPlacement.Place(hosts, np).Select(n => (n.Host, n.FirstRank, n.RankCount))];

    [Fact]
    public void HostsFillInOrderSlotsEach()
    {
        Assert.Equal([("a", 0, 2), ("b", 2, 2)], Place(AB, 4));
        Assert.Equal([("a", 0, 2), ("b", 2, 1)], Place(AB, 3));
        Assert.Equal([("a", 0, 1), ("b", 1, 2), ("c", 3, 3)], Place([new("a", 1), new("b", 2), new("c", 4)], 6));
    }

    [Fact]
    public void HostsWithoutRanksAreLeftOut()
    {
        Assert.Equal([("a", 0, 2)], Place(AB, 2));
        Assert.Equal([("a", 0, 1)], Place(AB, 1));
    }

    [Fact]
    public void ExcessRanksWrapRoundRobinAndStayContiguous()
    {
        // 7 ranks on 4 slots: 3 extra, dealt a, b, a.
        Assert.Equal([("a", 0, 4), ("b", 4, 3)], Place(AB, 7));
        Assert.Equal([("a", 0, 3), ("b", 3, 2), ("c", 5, 2)], Place([new("a", 1), new("b", 1), new("c", 1)], 7));
    }

    /// <summary>max_slots bounds a host even when oversubscribed: the excess goes round-robin to the
    /// hosts below their bound; beyond the sum of the bounds nothing fits.</summary>
    [Fact]
    public void ExcessRanksSkipAHostAtItsMaxSlots()
    {
        HostSpec[] bounded = [new("a", 2, 3), new("b", 2)];
        Assert.Equal([("a", 0, 3), ("b", 3, 2)], Place(bounded, 5));
        Assert.Equal([("a", 0, 3), ("b", 3, 5)], Place(bounded, 8));
        Assert.Equal([("a", 0, 2), ("b", 2, 2)], Place(bounded, 4)); // within the slots the bound plays no part
        HostSpec[] allBounded = [new("a", 1, 2), new("b", 1, 3)];
        Assert.Equal(5, RankPlacement.CapacityOf(allBounded));
        Assert.Equal(long.MaxValue, RankPlacement.CapacityOf(bounded));
        Assert.Equal([("a", 0, 2), ("b", 2, 3)], Place(allBounded, 5));
        Assert.Throws<ArgumentException>(() => RankPlacement.Place(allBounded, 6));
    }

    [Fact]
    public void EveryRankIsOnExactlyOneHost()
    {
        foreach (int np in new[] { 1, 3, 4, 5, 9, 17 })
        {
            var nodes = RankPlacement.Place([new("a", 3), new("b", 1), new("c", 2)], np);
            for (int r = 0; r < np; r++) Assert.Single(nodes, n => n.Contains(r));
            Assert.Equal(np, nodes.Sum(n => n.RankCount));
        }
    }

    [Fact]
    public void DescribesTheMapInOneLine()
    {
        Assert.Equal("ranks 0-1 on a, 2-3 on b", RankPlacement.Describe(RankPlacement.Place(AB, 4)));
        Assert.Equal("ranks 0-1 on a, 2 on b", RankPlacement.Describe(RankPlacement.Place(AB, 3)));
        Assert.Equal("rank 0 on a", RankPlacement.Describe(RankPlacement.Place(AB, 1)));
    }
}
