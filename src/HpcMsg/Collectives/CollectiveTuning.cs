using HpcMsg.Configuration;

namespace HpcMsg.Collectives;

/// <summary>
/// Which algorithm each collective uses, by message size and rank count, after Thakur, Rabenseifner
/// and Gropp (2005) and MPICH's defaults (the numbers below are MPICH's unless measured otherwise,
/// see the README). Every choice can be forced for testing with HPCMSG_COLL_&lt;NAME&gt;=&lt;algorithm&gt;,
/// and every threshold overridden with the variable named beside it; the variables, their defaults and
/// the reasons for them are declared in <see cref="Parameters"/>.
/// <para>
/// One immutable instance per communicator: Init reads the world's from the registry
/// (<see cref="FromParameters"/>), and a communicator made by Split or Dup takes its parent's; the
/// collectives read it through the communicator (<c>Communicator.Tuning</c>). Tests (the differential
/// test in tests/HpcMsg.TestApp) move a threshold or force an algorithm for one communicator by giving
/// it a copy (<c>comm.Tuning = comm.Tuning with { ForcedBcast = ... }</c>); the type is internal, so
/// nothing outside the library and its tests can.
/// </para>
/// </summary>
internal sealed record CollectiveTuning
{
    private CollectiveTuning() { }

    /// <summary>Every value as the parameter registry reads it (HPCMSG_ variables, or the defaults);
    /// a bad value throws, naming the variable.</summary>
    public static CollectiveTuning FromParameters() => new();

    /// <summary>HPCMSG_BCAST_SHORT_BYTES: binomial tree below, scatter + allgather at and above (MPICH: 12 KiB).</summary>
    public long BcastShortBytes { get; init; } = Parameters.BcastShortBytes.Read();

    /// <summary>HPCMSG_BCAST_MIN_RANKS: fewer ranks always use the binomial tree (MPICH: 8).</summary>
    public int BcastMinRanksForScatter { get; init; } = Parameters.BcastMinRanks.ReadInt();

    /// <summary>HPCMSG_ALLREDUCE_SHORT_BYTES: recursive doubling below, Rabenseifner at and above
    /// (MPICH: 2 KiB). 32 KiB here: recursive doubling moves more bytes but takes half the steps, and
    /// each step costs a handshake (and, oversubscribed, a trip through the scheduler). Measured at
    /// 4-16 KiB: np = 2, 1.1-2.2 us against 1.7-2.7 for Rabenseifner; np = 4 on 2 cores, 4.2-6.7 us
    /// against 7.4-9.5; from 64 KiB Rabenseifner wins at both.</summary>
    public long AllreduceShortBytes { get; init; } = Parameters.AllreduceShortBytes.Read();

    /// <summary>HPCMSG_REDUCE_SHORT_BYTES: binomial below, reduce-scatter + gather at and above (MPICH: 2 KiB).</summary>
    public long ReduceShortBytes { get; init; } = Parameters.ReduceShortBytes.Read();

    /// <summary>HPCMSG_REDUCE_TREE_MAX_RANKS: up to this many ranks Reduce always uses the binomial tree,
    /// which combines straight from send into the root's recv: at np = 2, 64 KiB-1 MiB, 0.6-0.8x Open MPI
    /// against 1.1-1.3x for reduce-scatter + gather (which moves 1.5x the data and copies send first);
    /// at np = 4 on 2 cores 1.0-1.9x against 0.9-2.8x. Reduce-scatter pays where the root's link is the
    /// bottleneck, with more ranks.</summary>
    public int ReduceTreeMaxRanks { get; init; } = Parameters.ReduceTreeMaxRanks.ReadInt();

    /// <summary>HPCMSG_ALLGATHER_LONG_BYTES: total bytes from which allgather uses the ring (MPICH: 512 KiB).</summary>
    public long AllgatherLongBytes { get; init; } = Parameters.AllgatherLongBytes.Read();

    /// <summary>HPCMSG_ALLGATHER_SHORT_BYTES: below, non-power-of-two counts use Bruck (MPICH: 80 KiB).</summary>
    public long AllgatherShortBytes { get; init; } = Parameters.AllgatherShortBytes.Read();

    /// <summary>HPCMSG_ALLTOALL_SHORT_BYTES / _MEDIUM_BYTES: per-block sizes for Bruck (with 8+ ranks)
    /// and for posting every send at once; pairwise exchange above (MPICH: 256 B and 32 KiB).</summary>
    public long AlltoallShortBytes { get; init; } = Parameters.AlltoallShortBytes.Read();
    public long AlltoallMediumBytes { get; init; } = Parameters.AlltoallMediumBytes.Read();
    public int AlltoallMinRanksForBruck { get; init; } = Parameters.AlltoallMinRanks.ReadInt();

    /// <summary>HPCMSG_GATHER_LINEAR_BYTES: blocks from which Gather and Scatter go straight between
    /// the root and each rank instead of down a binomial tree, whatever the number of ranks (and up to
    /// HPCMSG_LINEAR_MAX_RANKS ranks always). 16 KiB, the eager limit: above it each block is
    /// a rendezvous anyway, and at np = 4 on 2 cores the tree was 2-4x slower than Open MPI's linear
    /// algorithm from 64 KiB blocks.</summary>
    public long GatherLinearBytes { get; init; } = Parameters.GatherLinearBytes.Read();

    public BarrierAlgorithm? ForcedBarrier { get; init; } = Parameters.CollBarrier.Read();
    public BcastAlgorithm? ForcedBcast { get; init; } = Parameters.CollBcast.Read();
    public AllreduceAlgorithm? ForcedAllreduce { get; init; } = Parameters.CollAllreduce.Read();
    public ReduceAlgorithm? ForcedReduce { get; init; } = Parameters.CollReduce.Read();
    public AllgatherAlgorithm? ForcedAllgather { get; init; } = Parameters.CollAllgather.Read();
    public AlltoallAlgorithm? ForcedAlltoall { get; init; } = Parameters.CollAlltoall.Read();
    public GatherScatterAlgorithm? ForcedGatherScatter { get; init; } = Parameters.CollGather.Read();

    /// <summary>HPCMSG_COLL_BARRIER. The world communicator of a one-node job waits in the node's
    /// segment, not on messages (measured 0.14-0.29 us against 0.27-0.45 us for message dissemination
    /// at np = 2, 10 us against 18-40 us at np = 4 on 2 cores), by gather/release: rank 0, the usual
    /// root, leaves first. Dissemination over round counts (<see cref="BarrierAlgorithm.SharedDissemination"/>)
    /// is the faster barrier at np = 2 (one line transfer, not two in a row: osu barrier 0.47 against
    /// 0.60 us far, Open MPI 0.50) but not the default. Measured 2026-12-07, np = 2, far placement,
    /// interleaved: loops of a barrier and a collective cost, end to end (Plain benchmark,
    /// barrier-cycles), 0.78x (barrier alone), 1.08-1.22x (and Bcast), 1.01x (Reduce), 0.93-0.96x
    /// (Allreduce), 0.93-0.95x (Allgather) of gather/release's; and
    /// osu's per-call times, which start at each rank's own exit from the barrier, moved the wait for
    /// a root's data into Bcast and Scatter (np = 2 Bcast of 4 B-1 KiB 0.23-0.33 -> 0.38-0.60 us, 1.3-1.7x
    /// MPICH's, whose own barrier lets its root go first): a full suite run had 126 of 142 rows within
    /// 1.2x of the best native, against 139. At np = 3 and 4 on 2 cores the two were within the
    /// noise of each other. With a core per rank at larger np its log2(np) rounds may win: not
    /// measured here. The choice depends on the job alone: every rank must make the same one.</summary>
    public BarrierAlgorithm ChooseBarrier(bool nodeBarrierAvailable) =>
        nodeBarrierAvailable ? ForcedBarrier ?? BarrierAlgorithm.SharedMemory : BarrierAlgorithm.Dissemination;

    /// <summary>HPCMSG_SHM_COLL_BYTES: largest broadcast or allreduce of a one-node world done
    /// through the segment's slots instead of messages (at most the 4 KiB slot). Default 0 (off):
    /// at np = 2 and 4 on this 2-core machine the slot path (two node barriers) did not beat one
    /// round of ring messages; the node barrier alone did (README, "Collectives").</summary>
    public long SharedMemoryCollectiveBytes { get; init; } = Math.Min(Parameters.ShmCollBytes.Read(), NodeSharedCollectives.MaxBytes);

    /// <summary>HPCMSG_LINEAR_MAX_RANKS: up to this many ranks, Gather and Scatter at every size and
    /// Broadcast of eager-sized messages go straight between the root and each rank, and so does a
    /// larger Broadcast on a one-node world whose large messages are single copies (HPCMSG_SHM_CMA=1, the
    /// default: every rank then reads the root's buffer itself) or whose ranks outnumber its cores. With few
    /// ranks the root's extra sends cost less than the tree's hops, and no rank waits for a parent
    /// that waits for a core: np = 4 on 2 cores, 4-64 B, the tree took 0.45 us (bcast), 0.50 (scatter),
    /// 1.9 (gather) and linear 0.23, 0.23, 1.0, against Open MPI's 0.54, 0.53, 1.9; 64-256 KiB bcast
    /// 1.9x Open MPI with the tree (sends overlapped), 1.1x linear. Through the ring pipeline (then the
    /// default), np = 4 on 2 cores, 64 KiB / 256 KiB / 1 MiB: tree 8.7 / 34.9 / 106 us, linear 6.8 /
    /// 25.7 / 92, Open MPI 8.5 / 27.4 / 161 (five interleaved runs, 2026-11-30).</summary>
    public int LinearMaxRanks { get; init; } = Parameters.LinearMaxRanks.ReadInt();

    public BcastAlgorithm ChooseBcast(long bytes, int size, bool sharedAvailable, bool linearAtAnySize = false, long eagerLimit = long.MaxValue)
    {
        if (ForcedBcast is { } forced) return forced == BcastAlgorithm.SharedMemory && !sharedAvailable ? BcastAlgorithm.Binomial : forced;
        if (sharedAvailable && bytes <= SharedMemoryCollectiveBytes) return BcastAlgorithm.SharedMemory;
        if (size <= LinearMaxRanks && (bytes <= eagerLimit || linearAtAnySize)) return BcastAlgorithm.Linear;
        return bytes < BcastShortBytes || size < BcastMinRanksForScatter ? BcastAlgorithm.Binomial : BcastAlgorithm.ScatterAllgather;
    }

    public AllreduceAlgorithm ChooseAllreduce(long bytes, int count, int size, bool commutative, bool sharedAvailable)
    {
        if (ForcedAllreduce is { } forced)
        {
            if (forced == AllreduceAlgorithm.SharedMemory) return sharedAvailable ? forced : AllreduceAlgorithm.RecursiveDoubling;
            return forced != AllreduceAlgorithm.RecursiveDoubling && !commutative ? AllreduceAlgorithm.RecursiveDoubling : forced;
        }
        if (sharedAvailable && bytes <= SharedMemoryCollectiveBytes) return AllreduceAlgorithm.SharedMemory;
        // Reduce-scatter splits the vector in blocks: it needs a commutative op and an element per rank.
        return bytes < AllreduceShortBytes || !commutative || count < size ? AllreduceAlgorithm.RecursiveDoubling : AllreduceAlgorithm.Rabenseifner;
    }

    public ReduceAlgorithm ChooseReduce(long bytes, int count, int size, bool commutative)
    {
        if (ForcedReduce is { } forced)
            return forced == ReduceAlgorithm.ReduceScatterGather && !commutative ? ReduceAlgorithm.Binomial : forced;
        return bytes < ReduceShortBytes || !commutative || count < size || size <= ReduceTreeMaxRanks
            ? ReduceAlgorithm.Binomial : ReduceAlgorithm.ReduceScatterGather;
    }

    /// <summary>HPCMSG_ALLGATHER_DIRECT_BYTES: when the ranks outnumber the cores, blocks up to this size
    /// (default: any) go straight to every rank, on up to HPCMSG_LINEAR_MAX_RANKS ranks. np = 4 on
    /// 2 cores, direct against the default algorithms (recursive doubling, ring from 128 KiB blocks)
    /// and Open MPI, near placement: 4 B 2.55 / 3.1-3.4 / 3.3-3.5 us, 16 KiB 5.5-5.9 / 10.1-10.8 /
    /// 19-21, 256 KiB 80-81 / 99-127 / 130, 1 MiB 317-333 / 383-493 / 518-533 (interleaved, 2026-11-30).</summary>
    public long AllgatherDirectBytes { get; init; } = Parameters.AllgatherDirectBytes.Read();

    public AllgatherAlgorithm ChooseAllgather(long totalBytes, int size, bool oversubscribed)
    {
        if (ForcedAllgather is { } forced) return forced;
        if (oversubscribed && size <= LinearMaxRanks && totalBytes / size <= AllgatherDirectBytes) return AllgatherAlgorithm.Direct;
        if (totalBytes >= AllgatherLongBytes) return AllgatherAlgorithm.Ring;
        if ((size & (size - 1)) == 0) return AllgatherAlgorithm.RecursiveDoubling;
        return totalBytes < AllgatherShortBytes ? AllgatherAlgorithm.Bruck : AllgatherAlgorithm.Ring;
    }

    /// <summary>HPCMSG_COLL_ALLTOALL forces Alltoall's algorithm.</summary>
    /// <param name="blockBytes">Bytes each rank sends to each rank.</param>
    /// <param name="size">Ranks in the communicator.</param>
    /// <param name="oversubscribed">Ranks outnumber cores: every exchange is posted at once at any
    /// size (up to HPCMSG_LINEAR_MAX_RANKS ranks), so that no rank waits for a partner off its core.
    /// np = 4 on 2 cores, posted against pairwise and Open MPI: 64 KiB 25 / 32-33 / 37 us, 256 KiB
    /// 90-94 / 108 / 120-130, 1 MiB 485-489 / 539-708 / 698-718 (interleaved, 2026-11-30).</param>
    public AlltoallAlgorithm ChooseAlltoall(long blockBytes, int size, bool oversubscribed)
    {
        if (ForcedAlltoall is { } forced) return forced;
        if (size == 2) return AlltoallAlgorithm.Pairwise; // one exchange either way; pairwise is the cheapest form
        if (blockBytes <= AlltoallShortBytes && size >= AlltoallMinRanksForBruck) return AlltoallAlgorithm.Bruck;
        if (oversubscribed && size <= LinearMaxRanks) return AlltoallAlgorithm.Posted;
        return blockBytes <= AlltoallMediumBytes ? AlltoallAlgorithm.Posted : AlltoallAlgorithm.Pairwise;
    }

    /// <summary>HPCMSG_COLL_GATHER forces Gather's and Scatter's algorithm.</summary>
    public GatherScatterAlgorithm ChooseGatherScatter(long blockBytes, int size)
    {
        if (ForcedGatherScatter is { } forced) return forced;
        return size <= LinearMaxRanks || blockBytes >= GatherLinearBytes ? GatherScatterAlgorithm.Linear : GatherScatterAlgorithm.Binomial;
    }
}

internal enum BarrierAlgorithm { Dissemination, SharedMemory, SharedDissemination }

internal enum BcastAlgorithm { Binomial, ScatterAllgather, SharedMemory, Linear }

internal enum AllreduceAlgorithm { RecursiveDoubling, Rabenseifner, SharedMemory }

internal enum ReduceAlgorithm { Binomial, ReduceScatterGather }

internal enum AllgatherAlgorithm { RecursiveDoubling, Bruck, Ring, Direct }

internal enum AlltoallAlgorithm { Bruck, Posted, Pairwise }

internal enum GatherScatterAlgorithm { Binomial, Linear }
