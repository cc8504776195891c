using HpcMsg.Collectives;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>The collectives of the public API the differential scenario calls, one per form.</summary>
internal enum Collective
{
    Barrier,
    Broadcast,
    BroadcastScalar,
    BroadcastObject,
    Reduce,
    ReduceScalar,
    Allreduce,
    AllreduceScalar,
    Scan,
    Exscan,
    Gather,
    Scatter,
    Allgather,
    Alltoall,
    Gatherv,
    Scatterv,
    Allgatherv,
    Alltoallv,
}

/// <summary>One algorithm setting: a forced algorithm or a moved threshold (so that the default
/// choice takes another branch), applied to the library's static tuning for one case.</summary>
internal sealed record AlgorithmSetting(string Name, Action Apply);

/// <summary>Every algorithm each collective can take, forced in turn through <see cref="CollectiveTuning"/>
/// (the test app sees the library's internals), plus "default" and thresholds moved so that the
/// default choice reaches the algorithms it would otherwise pick only at other sizes or rank counts.</summary>
internal static class DifferentialSettings
{
    private static readonly int LinearMaxRanks = CollectiveTuning.LinearMaxRanks;
    private static readonly int ReduceTreeMaxRanks = CollectiveTuning.ReduceTreeMaxRanks;
    private static readonly long SharedMemoryCollectiveBytes = CollectiveTuning.SharedMemoryCollectiveBytes;
    private static readonly long AllgatherDirectBytes = CollectiveTuning.AllgatherDirectBytes;
    private static readonly BarrierAlgorithm? ForcedBarrier = CollectiveTuning.ForcedBarrier;
    private static readonly BcastAlgorithm? ForcedBcast = CollectiveTuning.ForcedBcast;
    private static readonly AllreduceAlgorithm? ForcedAllreduce = CollectiveTuning.ForcedAllreduce;
    private static readonly ReduceAlgorithm? ForcedReduce = CollectiveTuning.ForcedReduce;
    private static readonly AllgatherAlgorithm? ForcedAllgather = CollectiveTuning.ForcedAllgather;
    private static readonly AlltoallAlgorithm? ForcedAlltoall = CollectiveTuning.ForcedAlltoall;
    private static readonly GatherScatterAlgorithm? ForcedGatherScatter = CollectiveTuning.ForcedGatherScatter;

    private static readonly AlgorithmSetting Default = new("default", static () => { });

    private static readonly AlgorithmSetting SharedSlots = new($"shm_coll_bytes={NodeSharedCollectives.MaxBytes}",
        static () => CollectiveTuning.SharedMemoryCollectiveBytes = NodeSharedCollectives.MaxBytes);

    private static readonly AlgorithmSetting NoLinear = new("linear_max_ranks=0", static () => CollectiveTuning.LinearMaxRanks = 0);

    private static readonly AlgorithmSetting[] Bcast =
    [
        Default, SharedSlots, NoLinear,
        .. Enum.GetValues<BcastAlgorithm>().Select(a => new AlgorithmSetting($"bcast={a}", () => CollectiveTuning.ForcedBcast = a)),
    ];

    private static readonly AlgorithmSetting[] Allreduce =
    [
        Default, SharedSlots,
        .. Enum.GetValues<AllreduceAlgorithm>().Select(a => new AlgorithmSetting($"allreduce={a}", () => CollectiveTuning.ForcedAllreduce = a)),
    ];

    private static readonly AlgorithmSetting[] Reduce =
    [
        Default, new("reduce_tree_max_ranks=0", static () => CollectiveTuning.ReduceTreeMaxRanks = 0),
        .. Enum.GetValues<ReduceAlgorithm>().Select(a => new AlgorithmSetting($"reduce={a}", () => CollectiveTuning.ForcedReduce = a)),
    ];

    private static readonly AlgorithmSetting[] GatherScatter =
    [
        Default, NoLinear,
        .. Enum.GetValues<GatherScatterAlgorithm>().Select(a => new AlgorithmSetting($"gather={a}", () => CollectiveTuning.ForcedGatherScatter = a)),
    ];

    private static readonly AlgorithmSetting[] Allgather =
    [
        Default, new("allgather_direct_bytes=0", static () => CollectiveTuning.AllgatherDirectBytes = 0),
        .. Enum.GetValues<AllgatherAlgorithm>().Select(a => new AlgorithmSetting($"allgather={a}", () => CollectiveTuning.ForcedAllgather = a)),
    ];

    private static readonly AlgorithmSetting[] Alltoall =
    [
        Default, NoLinear,
        .. Enum.GetValues<AlltoallAlgorithm>().Select(a => new AlgorithmSetting($"alltoall={a}", () => CollectiveTuning.ForcedAlltoall = a)),
    ];

    private static readonly AlgorithmSetting[] Barrier =
    [
        Default,
        .. Enum.GetValues<BarrierAlgorithm>().Select(a => new AlgorithmSetting($"barrier={a}", () => CollectiveTuning.ForcedBarrier = a)),
    ];

    private static readonly AlgorithmSetting[] DefaultOnly = [Default];

    /// <summary>The settings that change what <paramref name="collective"/> does.</summary>
    public static AlgorithmSetting[] For(Collective collective) => collective switch
    {
        Collective.Barrier => Barrier,
        Collective.Broadcast or Collective.BroadcastScalar or Collective.BroadcastObject => Bcast,
        Collective.Reduce or Collective.ReduceScalar => Reduce,
        Collective.Allreduce or Collective.AllreduceScalar => Allreduce,
        Collective.Gather or Collective.Scatter => GatherScatter,
        Collective.Allgather => Allgather,
        Collective.Alltoall => Alltoall,
        _ => DefaultOnly, // Scan, Exscan and the v-collectives have one algorithm each
    };

    /// <summary>Back to what the environment (HPCMSG_COLL_*, thresholds) chose when the job started.</summary>
    public static void Reset()
    {
        CollectiveTuning.ForcedBcast = ForcedBcast;
        CollectiveTuning.ForcedAllreduce = ForcedAllreduce;
        CollectiveTuning.ForcedReduce = ForcedReduce;
        CollectiveTuning.ForcedAllgather = ForcedAllgather;
        CollectiveTuning.ForcedAlltoall = ForcedAlltoall;
        CollectiveTuning.ForcedGatherScatter = ForcedGatherScatter;
        CollectiveTuning.ForcedBarrier = ForcedBarrier;
        CollectiveTuning.LinearMaxRanks = LinearMaxRanks;
        CollectiveTuning.ReduceTreeMaxRanks = ReduceTreeMaxRanks;
        CollectiveTuning.SharedMemoryCollectiveBytes = SharedMemoryCollectiveBytes;
        CollectiveTuning.AllgatherDirectBytes = AllgatherDirectBytes;
    }
}
