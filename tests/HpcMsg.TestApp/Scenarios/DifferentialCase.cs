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

    /// <summary>
    /// Draws the cases of a seed. Collective and setting come from a shuffled deck that holds every
    /// (collective, setting) pair, each collective's pairs about as often as its weight, and the type and
    /// op of a reduction from a shuffled deck of every (type, op) pair: random order, but any run of
    /// cases as long as a deck covers all of it. Everything else is drawn case by case.
    /// </summary>
    public static DifferentialCase[] DrawAll(ulong seed, int worldSize, int cases, int comms)
    {
        // The rank count is mixed in, so that one seed set draws different cases at each rank count.
        var rng = new Rng(Rng.Mix(seed) ^ (ulong)worldSize);
        var settings = new List<(Collective, int)>();
        foreach ((Collective c, int weight) in Weights)
        {
            int n = DifferentialSettings.For(c).Length;
            for (int copy = 0; copy < Math.Max(1, (2 * weight + n - 1) / n); copy++)
                for (int s = 0; s < n; s++) settings.Add((c, s));
        }
        var ops = new List<(int, int)>();
        for (int type = 0; type < DifferentialTypes.All.Length; type++)
            for (int op = 0; op < DifferentialTypes.All[type].OpCount; op++) ops.Add((type, op));
        var settingDeck = new Deck<(Collective, int)>(settings);
        var opDeck = new Deck<(int, int)>(ops);

        var all = new DifferentialCase[cases];
        for (int i = 0; i < cases; i++)
        {
            (Collective collective, int setting) = settingDeck.Next(ref rng);
            // World is where the shared-memory algorithms and the node barrier apply: half of the cases.
            int comm = rng.Coin() ? 0 : 1 + rng.Next(comms - 1);
            int type, op;
            if (IsReduction(collective))
            {
                (type, op) = opDeck.Next(ref rng);
            }
            else
            {
                type = rng.Next(DifferentialTypes.All.Length);
                op = 0;
            }
            bool inPlace = rng.Next(3) == 0 && HasInPlaceForm(collective);
            all[i] = new DifferentialCase(i, collective, setting, comm, type, op, inPlace, rng.Next());
        }
        return all;
    }

    /// <summary>Deals every item once, in an order shuffled by the seed's generator, then again.</summary>
    private sealed class Deck<TItem>(List<TItem> items)
    {
        private int _next = items.Count;

        public TItem Next(ref Rng rng)
        {
            if (_next == items.Count)
            {
                for (int i = items.Count - 1; i > 0; i--)
                {
                    int j = rng.Next(i + 1);
                    (items[i], items[j]) = (items[j], items[i]);
                }
                _next = 0;
            }
            return items[_next++];
        }
    }

    public static bool IsReduction(Collective c) => c is Collective.Reduce or Collective.ReduceScalar or Collective.Allreduce
        or Collective.AllreduceScalar or Collective.Scan or Collective.Exscan;

    public static bool HasInPlaceForm(Collective c) => c is Collective.Reduce or Collective.Allreduce or Collective.Scan
        or Collective.Exscan or Collective.Gather or Collective.Scatter or Collective.Allgather or Collective.Gatherv
        or Collective.Scatterv or Collective.Allgatherv or Collective.Alltoall or Collective.Alltoallv;

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
        CollectiveTuning tuning = world.Tuning;
        long[] all =
        [
            tuning.AlltoallShortBytes, tuning.ReduceShortBytes, NodeSharedCollectives.MaxBytes,
            tuning.BcastShortBytes, tuning.GatherLinearBytes, tuning.AllreduceShortBytes,
            tuning.AlltoallMediumBytes, tuning.AllgatherShortBytes, tuning.AllgatherLongBytes,
            config.EagerLimit, config.TcpEagerLimit, config.ChunkBytes,
            HpcMsg.Internal.ScratchPool.StackBytes, // temporaries on the stack up to it, pooled above
        ];
        return all.Where(t => t > 0 && t <= MaxBufferBytes).Distinct().Order().ToArray();
    }
}
