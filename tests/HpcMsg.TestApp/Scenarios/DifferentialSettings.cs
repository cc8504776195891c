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
/// choice takes another branch), applied to the tuning of the case's communicator for one case.</summary>
internal sealed record AlgorithmSetting(string Name, Func<CollectiveTuning, CollectiveTuning> Change)
{
    /// <summary>Gives <paramref name="comm"/> the tuning the job started with, changed by this setting.</summary>
    public void Apply(Communicator comm) => comm.Tuning = Change(DifferentialSettings.Initial);
}

/// <summary>Every algorithm each collective can take, forced in turn through <see cref="CollectiveTuning"/>
/// (the test app sees the library's internals), plus "default" and thresholds moved so that the
/// default choice reaches the algorithms it would otherwise pick only at other sizes or rank counts.</summary>
internal static class DifferentialSettings
{
    /// <summary>What the environment (HPCMSG_COLL_*, thresholds) chose when the job started.</summary>
    public static readonly CollectiveTuning Initial = CollectiveTuning.FromParameters();

    private static readonly AlgorithmSetting Default = new("default", static t => t);

    private static readonly AlgorithmSetting SharedSlots = new($"shm_coll_bytes={NodeSharedCollectives.MaxBytes}",
        static t => t with { SharedMemoryCollectiveBytes = NodeSharedCollectives.MaxBytes });

    private static readonly AlgorithmSetting NoLinear = new("linear_max_ranks=0", static t => t with { LinearMaxRanks = 0 });

    private static readonly AlgorithmSetting[] Bcast =
    [
        Default, SharedSlots, NoLinear,
        .. Enum.GetValues<BcastAlgorithm>().Select(a => new AlgorithmSetting($"bcast={a}", t => t with { ForcedBcast = a })),
    ];

    private static readonly AlgorithmSetting[] Allreduce =
    [
        Default, SharedSlots,
        .. Enum.GetValues<AllreduceAlgorithm>().Select(a => new AlgorithmSetting($"allreduce={a}", t => t with { ForcedAllreduce = a })),
    ];

    private static readonly AlgorithmSetting[] Reduce =
    [
        Default, new("reduce_tree_max_ranks=0", static t => t with { ReduceTreeMaxRanks = 0 }),
        .. Enum.GetValues<ReduceAlgorithm>().Select(a => new AlgorithmSetting($"reduce={a}", t => t with { ForcedReduce = a })),
    ];

    private static readonly AlgorithmSetting[] GatherScatter =
    [
        Default, NoLinear,
        .. Enum.GetValues<GatherScatterAlgorithm>().Select(a => new AlgorithmSetting($"gather={a}", t => t with { ForcedGatherScatter = a })),
    ];

    private static readonly AlgorithmSetting[] Allgather =
    [
        Default, new("allgather_direct_bytes=0", static t => t with { AllgatherDirectBytes = 0 }),
        .. Enum.GetValues<AllgatherAlgorithm>().Select(a => new AlgorithmSetting($"allgather={a}", t => t with { ForcedAllgather = a })),
    ];

    private static readonly AlgorithmSetting[] Alltoall =
    [
        Default, NoLinear,
        .. Enum.GetValues<AlltoallAlgorithm>().Select(a => new AlgorithmSetting($"alltoall={a}", t => t with { ForcedAlltoall = a })),
    ];

    private static readonly AlgorithmSetting[] Barrier =
    [
        Default,
        .. Enum.GetValues<BarrierAlgorithm>().Select(a => new AlgorithmSetting($"barrier={a}", t => t with { ForcedBarrier = a })),
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
    public static void Reset(Communicator comm) => comm.Tuning = Initial;
}
