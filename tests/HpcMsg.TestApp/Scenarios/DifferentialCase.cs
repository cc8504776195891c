using HpcMsg.Collectives;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>SplitMix64: a small generator whose sequence is the same in every process and .NET version
/// (System.Random's seeded sequence is not promised to stay), so that every rank draws the same cases.</summary>
internal struct Rng(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        _state += 0x9E3779B97F4A7C15;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, n).</summary>
    public int Next(int n) => (int)(Next() % (ulong)n);

    public bool Coin() => (Next() & 1) == 0;

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}

/// <summary>One drawn case: what every rank of the job agrees on before it knows which communicator
/// it is in. Counts and the root depend on the communicator's size, so they are drawn inside the
/// case from <see cref="Draw"/>, the same way on every rank of that communicator.</summary>
internal sealed record DifferentialCase(int Index, Collective Collective, int Setting, int Comm, int Type, int OpIndex, bool InPlace, ulong Draw)
{
    /// <summary>Collectives weighted by how much they have to go wrong.</summary>
    private static readonly (Collective Collective, int Weight)[] Weights =
    [
        (Collective.Barrier, 1), (Collective.Broadcast, 4), (Collective.BroadcastScalar, 2), (Collective.BroadcastObject, 2),
        (Collective.Reduce, 6), (Collective.ReduceScalar, 2), (Collective.Allreduce, 6), (Collective.AllreduceScalar, 2),
        (Collective.Scan, 3), (Collective.Exscan, 3), (Collective.Gather, 3), (Collective.Scatter, 3),
        (Collective.Allgather, 4), (Collective.Alltoall, 4), (Collective.Gatherv, 2), (Collective.Scatterv, 2),
        (Collective.Allgatherv, 2), (Collective.Alltoallv, 2),
    ];

    private static readonly int TotalWeight = Weights.Sum(w => w.Weight);

    /// <summary>Case <paramref name="index"/> of a seed: drawn from the seed's generator, which every
    /// rank advances identically (<see cref="DrawAll"/>).</summary>
    private static DifferentialCase DrawOne(ref Rng rng, int index, int comms)
    {
        int pick = rng.Next(TotalWeight);
        Collective collective = Weights[0].Collective;
        foreach ((Collective c, int weight) in Weights)
        {
            if (pick < weight)
            {
                collective = c;
                break;
            }
            pick -= weight;
        }
        int setting = rng.Next(DifferentialSettings.For(collective).Length);
        // World is where the shared-memory algorithms and the node barrier apply: half of the cases.
        int comm = rng.Coin() ? 0 : 1 + rng.Next(comms - 1);
        int type = rng.Next(DifferentialTypes.All.Length);
        int op = rng.Next(DifferentialTypes.All[type].OpCount);
        bool inPlace = rng.Next(3) == 0 && HasInPlaceForm(collective);
        return new DifferentialCase(index, collective, setting, comm, type, op, inPlace, rng.Next());
    }

    /// <summary>The cases of <paramref name="seed"/> at <paramref name="worldSize"/> ranks: the rank
    /// count is mixed in, so that one seed set draws different cases at each rank count.</summary>
    public static DifferentialCase[] DrawAll(ulong seed, int worldSize, int cases, int comms)
    {
        var rng = new Rng(Rng.Mix(seed) ^ (ulong)worldSize);
        var all = new DifferentialCase[cases];
        for (int i = 0; i < cases; i++) all[i] = DrawOne(ref rng, i, comms);
        return all;
    }

    public static bool HasInPlaceForm(Collective c) => c is Collective.Reduce or Collective.Allreduce or Collective.Scan
        or Collective.Exscan or Collective.Gather or Collective.Scatter or Collective.Allgather or Collective.Gatherv
        or Collective.Scatterv or Collective.Allgatherv;

    /// <summary>
    /// An element count for a communicator of <paramref name="size"/> ranks and elements of
    /// <paramref name="elementBytes"/>: 0 and 1; around multiples of the power of two below the size
    /// (reduce-scatter's block split) and around the size; around every byte threshold the algorithms
    /// and transports switch at, taken as the whole vector or as one rank's block of it; or anything
    /// up to a few thousand. <paramref name="perRankFactor"/> is how many such counts one rank's
    /// buffer holds (the size for Gather, Allgather, Alltoall), so that no buffer passes
    /// <see cref="MaxBufferBytes"/>.
    /// </summary>
    public static int Count(ref Rng rng, int size, int elementBytes, int perRankFactor, ReadOnlySpan<long> thresholds)
    {
        for (int attempt = 0; attempt < 8; attempt++)
        {
            int pof2 = Reduction.LargestPowerOfTwo(size);
            int delta = rng.Next(3) - 1;
            long count = rng.Next(10) switch
            {
                0 => rng.Next(2),
                1 => rng.Next(17),
                2 or 3 => (long)(1 + rng.Next(3)) * pof2 + delta,
                4 => (long)(1 + rng.Next(64)) * pof2 + delta,
                5 => size + delta,
                6 or 7 or 8 => thresholds[rng.Next(thresholds.Length)] / ((long)elementBytes * (rng.Coin() ? 1 : size)) + delta,
                _ => rng.Next(5000),
            };
            if (count < 0) count = 0;
            if (count * elementBytes * perRankFactor <= MaxBufferBytes) return (int)count;
        }
        return rng.Next(64);
    }

    /// <summary>The largest buffer a case uses (bytes per rank): above the largest threshold
    /// (allgather's 512 KiB), small enough for 9 ranks on 2 cores.</summary>
    public const long MaxBufferBytes = 640 * 1024;

    /// <summary>Every size at which an algorithm or a transport changes what it does (bytes).</summary>
    public static long[] Thresholds(Communicator world)
    {
        var config = world.Engine.Config;
        long[] all =
        [
            CollectiveTuning.AlltoallShortBytes, CollectiveTuning.ReduceShortBytes, NodeSharedCollectives.MaxBytes,
            CollectiveTuning.BcastShortBytes, CollectiveTuning.GatherLinearBytes, CollectiveTuning.AllreduceShortBytes,
            CollectiveTuning.AlltoallMediumBytes, CollectiveTuning.AllgatherShortBytes, CollectiveTuning.AllgatherLongBytes,
            config.EagerLimit, config.TcpEagerLimit, config.ChunkBytes,
        ];
        return all.Where(t => t > 0 && t <= MaxBufferBytes).Distinct().Order().ToArray();
    }
}
