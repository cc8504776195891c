using HpcMsg.Benchmarks.Osu.Suite;
using HpcMsg.Benchmarks.Report;

namespace HpcMsg.Tests.Benchmarks;

/// <summary>The report's ratio pairs each HpcMsg run with the best native run of the same round.</summary>
public sealed class PairedRatioTests
{
    private static Cell Runs(params (double Value, string Placement, int Rep)[] runs) => new() { Runs = [.. runs], Capped = false };

    private static Row Row(Bench bench, Cell hpcmsg, Cell mpich, Cell openmpi) => new()
    {
        Np = 2,
        Bench = bench,
        Size = 4,
        Cells = new() { ["hpcmsg"] = hpcmsg, ["mpich"] = mpich, ["openmpi"] = openmpi },
    };

    [Fact]
    public void ARoundKeptWithMixedPlacementsDoesNotDecideTheRatio()
    {
        // The run of 08:44, np 2 allgather 4 B: in round 2 HpcMsg ran far and Open MPI mostly near.
        Row r = Row(Bench.Allgather,
            Runs((0.153, "near", 1), (0.528, "far", 2), (0.500, "far", 3), (0.149, "near", 4), (0.572, "far", 5)),
            Runs((0.260, "near", 1), (0.743, "far", 2), (0.751, "far", 3), (0.250, "near", 4), (0.791, "far", 5)),
            Runs((0.169, "near", 1), (0.166, "mixed", 2), (0.461, "far", 3), (0.172, "near", 4), (0.492, "far", 5)));
        Assert.Equal(2.91, r.RatioOfMedians, 2);
        Assert.Equal(1.08, r.Ratio, 2); // rounds: 0.91, 3.18, 1.08, 0.87, 1.16
        Assert.Equal(0.89, r.RatioIn("near"), 2);
        Assert.Equal(1.16, r.RatioIn("far"), 2); // HpcMsg far in rounds 2, 3, 5
        Assert.True(r.Target!.IsMet(r.Ratio));
    }

    [Fact]
    public void BandwidthTakesTheHighestNativeOfTheRound()
    {
        Row r = Row(Bench.Bw,
            Runs((30_000, "far", 1), (20_000, "far", 2), (40_000, "near", 3)),
            Runs((10_000, "far", 1), (8_000, "far", 2), (12_000, "near", 3)),
            Runs((15_000, "far", 1), (16_000, "far", 2), (10_000, "near", 3)));
        Assert.Equal(2.0, r.Ratio, 3); // 30/15, 20/16, 40/12: median 2.0
    }

    [Fact]
    public void RoundsWithoutANativeRunAreLeftOut()
    {
        Row r = Row(Bench.Bcast,
            Runs((1.0, "near", 1), (5.0, "near", 2)),
            Runs((1.0, "near", 1)),
            Runs((double.NaN, "near", 1)));
        Assert.Equal(1.0, r.Ratio, 3);
    }
}
