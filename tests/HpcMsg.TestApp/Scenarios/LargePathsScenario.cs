using HpcMsg.Engine;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Large messages between the ranks of one node by either path, single copy (process_vm_readv) or
/// ring pipeline, whichever the configuration picks (HPCMSG_SHM_CMA, HPCMSG_SHM_CMA_BYTES), from a
/// seed: sizes around every threshold (eager limit, single-copy threshold, pipeline chunk multiples,
/// each +-1) and random ones, all at once between every pair in both directions; AnySource/AnyTag
/// receives of large messages; a truncated large message and the one after it; a sub-communicator;
/// Broadcast, Scatter, Gather, Alltoall, Allgather, Allreduce and Reduce at large sizes against a
/// serial model of random inputs; with "big", 240 MB from rank 0 to rank 1. With "refuse R", rank R
/// first makes the kernel refuse it every process_vm_readv (a seccomp filter, EPERM): its pairs must
/// fall back to the ring, for good, and every byte still arrive; the other pairs keep the single copy.
/// With "refuse R of P", only R's reads of rank P are refused: R must still read its other peers.
/// With HPCMSG_SHM_LARGE_PATH=auto (the default with a core per rank; set here, where the tests
/// oversubscribe), a message must come through the ring unless its sender had a large send to another
/// rank in flight when it announced it, and then be read once (AutomaticChoice).
/// At the end each rank checks which path its messages took (the engine's counts).
/// </summary>
internal sealed class LargePathsScenario : IScenario
{
    private const int BigBytes = 240_000_000;

    public string Name => "largepaths";
    public string Arguments => "<seed> [big] [refuse <rank> [of <peer>]]";

    public Task RunAsync(Communicator world, string[] args)
    {
        long seed = long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
        bool big = args.Contains("big");
        int refuser = Array.IndexOf(args, "refuse") is int at and >= 0 ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : -1;
        int refusedPeer = Array.IndexOf(args, "of") is int of and >= 0 ? int.Parse(args[of + 1], System.Globalization.CultureInfo.InvariantCulture) : -1;
        Check.True(world.Size >= 2, "largepaths needs two ranks or more");
        Check.True(refusedPeer < 0 || world.Size >= 3, "refuse R of P needs a third rank that R still reads");
        int[] pids = new int[world.Size];
        world.Allgather<int>([Environment.ProcessId], pids);
        if (world.Rank == refuser) Seccomp.RefuseCrossMemoryReads(refusedPeer >= 0 ? pids[refusedPeer] : null);
        world.Barrier(); // the filter is in place before any large message moves
        long readsBefore = world.Engine.DirectReads; // Init's warm-up moves large messages too

        var config = world.Engine.Config;
        int eager = config.EagerLimit;
        int chunk = config.ChunkBytes;
        long threshold = Math.Max(config.CrossMemoryAttachBytes, eager + 1);
        int[] sizes = Sizes(seed, eager, chunk, (int)Math.Min(threshold, 1 << 26));

        AllPairsAtOnce(world, sizes, seed);
        Wildcards(world, seed, (int)Math.Max(threshold, chunk * 3L + 5));
        Truncation(world, (int)Math.Max(threshold, 3L * chunk) + 17);
        SubCommunicator(world, sizes, seed);
        Collectives(world, seed, eager);
        using (Communicator dup = world.Dup()) Collectives(dup, seed + 1, eager);
        if (big) Big(world);
        if (config.LargePath == LargeMessagePath.Auto && refuser < 0) AutomaticChoice(world, seed, (int)Math.Max(threshold, 1 << 20));
        Paths(world, refuser, refusedPeer, threshold, readsBefore);
        return Task.CompletedTask;
    }

    /// <summary>Every threshold +-1, a few chunk multiples +-1, and random sizes up to 3 MiB.</summary>
    private static int[] Sizes(long seed, int eager, int chunk, int threshold)
    {
        var s = new SortedSet<int> { eager, eager + 1, eager + 2, threshold - 1, threshold, threshold + 1 };
        foreach (int k in new[] { 1, 2, 4, 7, 32 })
            for (int d = -1; d <= 1; d++) s.Add(k * chunk + d);
        var random = new Random((int)seed);
        for (int i = 0; i < 6; i++) s.Add(eager + 1 + random.Next(3 << 20));
        s.RemoveWhere(n => n <= eager);
        s.Add(eager - 1); // two eager messages among them, so that protocols mix
        s.Add(eager);
        return [.. s];
    }

    private static long Key(long seed, int from, int to, int i) => seed * 1_000_003 + from * 10_007 + to * 101 + i;

    /// <summary>Every rank sends every size to every other rank and receives the same, all posted at
    /// once: several large messages in flight between a pair, in both directions.</summary>
    private static void AllPairsAtOnce(Communicator world, int[] sizes, long seed)
    {
        var receives = new List<(Request Request, byte[] Buffer, int From, int I)>();
        var sends = new List<Request>();
        for (int peer = 0; peer < world.Size; peer++)
        {
            if (peer == world.Rank) continue;
            for (int i = 0; i < sizes.Length; i++)
            {
                var buffer = new byte[sizes[i] + 8];
                receives.Add((world.IRecv<byte>(buffer, peer, 100 + i), buffer, peer, i));
            }
        }
        for (int peer = 0; peer < world.Size; peer++)
        {
            if (peer == world.Rank) continue;
            for (int i = 0; i < sizes.Length; i++)
                sends.Add(world.ISend(Patterns.Make(sizes[i], Key(seed, world.Rank, peer, i)), peer, 100 + i));
        }
        foreach ((Request r, byte[] buffer, int from, int i) in receives)
        {
            Status status = r.Wait();
            string what = $"{sizes[i]} bytes from rank {from}, all pairs at once";
            Check.Equal((long)sizes[i], status.ByteCount, $"{what}: ByteCount");
            Check.Equal(from, status.Source, $"{what}: Source");
            Patterns.Verify(buffer.AsSpan(0, sizes[i]), Key(seed, from, world.Rank, i), what);
            Patterns.VerifyUntouched(buffer.AsSpan(sizes[i]), 0, what);
        }
        Request.WaitAll([.. sends]);
    }

    /// <summary>Each rank receives from every other one with AnySource and AnyTag; the status says whose
    /// message it was, and its contents must be that one's.</summary>
    private static void Wildcards(Communicator world, long seed, int bytes)
    {
        const int PerPeer = 3;
        var sends = new List<Request>();
        for (int peer = 0; peer < world.Size; peer++)
        {
            if (peer == world.Rank) continue;
            for (int k = 0; k < PerPeer; k++)
                sends.Add(world.ISend(Patterns.Make(bytes + k, Key(seed, world.Rank, peer, 500 + k)), peer, 500 + k));
        }
        var buffer = new byte[bytes + PerPeer];
        var seen = new HashSet<(int, int)>();
        for (int m = 0; m < (world.Size - 1) * PerPeer; m++)
        {
            Status status = world.Recv<byte>(buffer, Communicator.AnySource, Communicator.AnyTag);
            int k = status.Tag - 500;
            string what = $"wildcard receive {m}: tag {status.Tag} from rank {status.Source}";
            Check.True(k is >= 0 and < PerPeer && status.Source != world.Rank, what);
            Check.True(seen.Add((status.Source, k)), $"{what}: a second time");
            Check.Equal((long)(bytes + k), status.ByteCount, $"{what}: ByteCount");
            Patterns.Verify(buffer.AsSpan(0, bytes + k), Key(seed, status.Source, world.Rank, 500 + k), what);
        }
        Request.WaitAll([.. sends]);
        world.Barrier(); // the next phase's messages are not taken by these wildcards
    }

    /// <summary>A large message into a buffer too small for it from each rank's left neighbour, then the
    /// next message from it intact.</summary>
    private static void Truncation(Communicator world, int bytes)
    {
        int right = (world.Rank + 1) % world.Size, left = (world.Rank + world.Size - 1) % world.Size;
        Request s1 = world.ISend(Patterns.Make(bytes, 11), right, 700);
        Request s2 = world.ISend(Patterns.Make(bytes, 12), right, 700);
        var small = new byte[bytes / 2];
        var e = Check.Throws<MessageTruncatedException>(() => world.Recv<byte>(small, left, 700), "a truncated large message");
        Check.Equal((long)bytes, e.MessageBytes, "truncated: MessageBytes");
        var next = new byte[bytes];
        Status status = world.Recv<byte>(next, left, 700);
        Check.Equal((long)bytes, status.ByteCount, "the message after a truncated one: ByteCount");
        Patterns.Verify(next, 12, "the message after a truncated one");
        Request.WaitAll(s1, s2);
    }

    /// <summary>The all-pairs exchange again on a communicator of the ranks in reverse order (every
    /// rank's sub-rank differs from its world rank), and one of the odd ranks alone.</summary>
    private static void SubCommunicator(Communicator world, int[] sizes, long seed)
    {
        using Communicator reversed = world.Split(0, world.Size - world.Rank)!;
        Check.Equal(world.Size - 1 - world.Rank, reversed.Rank, "reversed sub-communicator: Rank");
        AllPairsAtOnce(reversed, sizes, seed + 7);
        using Communicator? halves = world.Split(world.Rank % 2, world.Rank);
        if (halves is { Size: > 1 }) AllPairsAtOnce(halves, sizes[^4..], seed + 9);
    }

    /// <summary>Each rank's random input, which every rank can make (the serial model).</summary>
    private static long[] Input(long seed, int rank, int count, int tag)
    {
        var random = new Random((int)(Key(seed, rank, count, tag) % int.MaxValue)); // not HashCode: seeded per process
        var values = new long[count];
        for (int i = 0; i < count; i++) values[i] = random.NextInt64(-1_000_000_000, 1_000_000_000);
        return values;
    }

    private static void Collectives(Communicator comm, long seed, int eager)
    {
        var random = new Random((int)seed + comm.Size);
        int p = comm.Size, me = comm.Rank;
        // Counts of longs: just past the eager limit, a pipeline's worth, and random up to 1.5 MiB.
        int[] counts = [eager / 8 + 1, 4097, 32768 + 1, random.Next(eager / 8, 196_608)];
        foreach (int n in counts)
        {
            int root = random.Next(p);
            string what = $"{n} longs on {p} ranks, root {root}";

            long[] b = me == root ? Input(seed, root, n, 1) : new long[n];
            comm.Broadcast<long>(b, root);
            Check.SequenceEqual<long>(Input(seed, root, n, 1), b, $"Broadcast of {what}");

            long[] sum = new long[n], expected = new long[n];
            for (int r = 0; r < p; r++)
            {
                long[] x = Input(seed, r, n, 2);
                for (int i = 0; i < n; i++) expected[i] += x[i];
            }
            comm.Allreduce<long>(Input(seed, me, n, 2), sum, Op.Sum);
            Check.SequenceEqual<long>(expected, sum, $"Allreduce of {what}");
            long[] reduced = new long[n];
            comm.Reduce<long>(Input(seed, me, n, 2), reduced, Op.Sum, root);
            if (me == root) Check.SequenceEqual<long>(expected, reduced, $"Reduce of {what}");

            int block = Math.Max(1, n / p);
            long[] all = new long[block * p];
            comm.Allgather<long>(Input(seed, me, block, 3), all);
            for (int r = 0; r < p; r++) Check.SequenceEqual<long>(Input(seed, r, block, 3), all.AsSpan(r * block, block), $"Allgather of {what}: rank {r}'s block");
            long[] gathered = new long[block * p];
            comm.Gather<long>(Input(seed, me, block, 4), gathered, root);
            if (me == root)
                for (int r = 0; r < p; r++) Check.SequenceEqual<long>(Input(seed, r, block, 4), gathered.AsSpan(r * block, block), $"Gather of {what}: rank {r}'s block");

            long[] scattered = new long[block];
            comm.Scatter<long>(me == root ? Input(seed, root, block * p, 5) : [], scattered, root);
            Check.SequenceEqual<long>(Input(seed, root, block * p, 5).AsSpan(me * block, block), scattered, $"Scatter of {what}");

            long[] exchanged = new long[block * p];
            comm.Alltoall<long>(Input(seed, me, block * p, 6), exchanged);
            for (int r = 0; r < p; r++)
                Check.SequenceEqual<long>(Input(seed, r, block * p, 6).AsSpan(me * block, block), exchanged.AsSpan(r * block, block), $"Alltoall of {what}: from rank {r}");
        }
    }

    /// <summary>240 MB from rank 0 to rank 1 (the refusing rank's pairs included when it is one of them).</summary>
    private static void Big(Communicator world)
    {
        if (world.Rank == 0) world.Send<byte>(Patterns.Make(BigBytes, 240), 1, 900);
        else if (world.Rank == 1)
        {
            var buffer = new byte[BigBytes];
            Status status = world.Recv<byte>(buffer, 0, 900);
            Check.Equal((long)BigBytes, status.ByteCount, "240 MB: ByteCount");
            Patterns.Verify(buffer, 240, "240 MB");
        }
        world.Barrier();
    }

    /// <summary>HPCMSG_SHM_LARGE_PATH=auto, each step's counts checked on its receiver: (1) 0 to 1 with
    /// nothing else in flight: the pipeline (after every step before it, this also finds a large send still
    /// counted as in flight after it completed); (2) 0 to 1 while 0's send to 2 is in flight: a single copy
    /// (the sender is busy), and that send to 2, announced alone, the pipeline; (3) 0 to 1 while 1's own
    /// send to 2 is in flight: the pipeline (what the receiver sends does not count). Steps 2 and 3 need a
    /// third rank.</summary>
    private static void AutomaticChoice(Communicator world, long seed, int bytes)
    {
        var engine = world.Engine;
        int rank = world.Rank;
        void Large(int to, int tag) => world.Send<byte>(Patterns.Make(bytes, Key(seed, rank, to, tag)), to, tag);
        Request LargeAsync(int to, int tag) => world.ISend(Patterns.Make(bytes, Key(seed, rank, to, tag)), to, tag);
        void Expect(int from, int tag, long singleCopies, long pipelined, string step)
        {
            long reads = engine.DirectReads, streamed = engine.PipelinedReceives;
            var buffer = new byte[bytes];
            world.Recv<byte>(buffer, from, tag);
            Patterns.Verify(buffer, Key(seed, from, rank, tag), step);
            Check.Equal(singleCopies, engine.DirectReads - reads, $"{step}: single copies");
            Check.Equal(pipelined, engine.PipelinedReceives - streamed, $"{step}: messages through the ring");
        }
        void Signal(int to, int tag) => world.Send<byte>([1], to, tag);
        void AwaitSignal(int from, int tag) => world.Recv<byte>(new byte[1], from, tag);

        world.Barrier();
        if (rank == 0) Large(1, 700);
        else if (rank == 1) Expect(0, 700, 0, 1, "one way, nothing else in flight");
        world.Barrier();
        if (world.Size < 3) return;

        if (rank == 0)
        {
            Request toTwo = LargeAsync(2, 702);
            Request toOne = LargeAsync(1, 701);
            Request.WaitAll([toOne, toTwo]);
        }
        else if (rank == 1)
        {
            Expect(0, 701, 1, 0, "from a sender with another large send in flight");
            Signal(2, 703);
        }
        else if (rank == 2)
        {
            AwaitSignal(1, 703);
            Expect(0, 702, 0, 1, "announced while the sender had nothing else in flight");
        }
        world.Barrier();

        if (rank == 0)
        {
            AwaitSignal(1, 704);
            Large(1, 705);
        }
        else if (rank == 1)
        {
            Request toTwo = LargeAsync(2, 706);
            Signal(0, 704);
            Expect(0, 705, 0, 1, "to a receiver with a large send of its own in flight");
            Signal(2, 707);
            toTwo.Wait();
        }
        else if (rank == 2)
        {
            AwaitSignal(1, 707);
            Expect(1, 706, 0, 1, "announced while the sender had nothing else in flight, later");
        }
        world.Barrier();
    }

    /// <summary>Which path the messages took: with single copies off, none; on, every rank read some but
    /// a refusing rank refused by all its peers, and only the refused pairs were marked. With
    /// HPCMSG_SHM_LARGE_PATH=auto a pair is marked only once a read was tried, and whether one was depends
    /// on what else was in flight at that moment: there only the refused pairs may be marked, and a rank
    /// refused by all reads nothing (AutomaticChoice checked the choice itself).</summary>
    private static void Paths(Communicator world, int refuser, int refusedPeer, long threshold, long readsBefore)
    {
        var engine = world.Engine;
        bool on = engine.Config.UseCrossMemoryAttach;
        bool chosen = engine.Config.LargePath == LargeMessagePath.Auto;
        long reads = engine.DirectReads - readsBefore;
        for (int peer = 0; peer < world.Size; peer++)
        {
            if (peer == world.Rank) continue;
            bool expected = on && world.Rank == refuser && (refusedPeer < 0 || peer == refusedPeer);
            if (chosen && !expected) Check.True(!engine.DirectReadRefused(peer), $"single copies from rank {peer} not refused");
            else if (!chosen) Check.Equal(expected, engine.DirectReadRefused(peer), $"single copies from rank {peer} refused");
        }
        if (!on || (world.Rank == refuser && refusedPeer < 0))
            Check.Equal(0L, reads, "large messages received as single copies");
        else if (!chosen)
            Check.True(reads > 0, $"large messages received as single copies (threshold {threshold}): {reads}");
    }
}
