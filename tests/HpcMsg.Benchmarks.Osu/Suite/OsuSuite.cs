using System.Diagnostics;
using System.Globalization;

namespace HpcMsg.Benchmarks.Osu.Suite;

/// <summary>
/// Runs the selected benchmarks by <see cref="SuiteSpec"/>'s rules and prints, on rank 0, one block
/// per benchmark in the format osu_like.c prints:
/// <code>
/// # bench latency np 2 impl HpcMsg 1.0.0
/// # size latency_us iterations
/// 0 0.412 10000
/// ...
/// # end latency
/// </code>
/// </summary>
public sealed class OsuSuite<TPeer>(TPeer peer, SuiteOptions options, TextWriter output) where TPeer : struct, IOsuPeer
{
    private TPeer _peer = peer;
    private readonly byte[] _ack = new byte[SuiteSpec.AckBytes];

    public void Run()
    {
        if (_peer.Size < 2 && options.Benchmarks.Any(SuiteSpec.IsPointToPoint))
            throw new InvalidOperationException("latency, bw and bibw need 2 ranks");
        foreach (Bench b in options.Benchmarks) Run(b);
    }

    private void Run(Bench b)
    {
        // Every size, so that every path the timed loops take (eager, rendezvous, each collective
        // algorithm) has been run often enough for the runtime's optimised code.
        List<long> sizes = [.. SuiteSpec.Sizes(b, options.MaxSize)];
        foreach (long s in sizes)
        {
            Buffers buffers = Buffers.For(b, s, _peer.Size);
            Collect();
            int iters = SuiteSpec.Counts(b, s, options.Quick).Iterations;
            Phase(b, s, buffers, 1L << 40, SuiteSpec.BatchOf(iters), 1, options.WarmupSeconds / sizes.Count, out _);
        }
        // The runtime compiles the optimised code for what the warm-up ran on a background thread;
        // while every core holds a polling rank, that thread takes a core from a rank for
        // milliseconds, inside some later timed loop (seen as one size 5-30x slower than its
        // neighbours in a run). Idle both ranks while it finishes.
        Thread.Sleep(SuiteSpec.SettleMilliseconds);
        _peer.Barrier();

        // Between timed sizes only the next size's arrays and a collection: the results are
        // reduced over the ranks, formatted and printed after the last size. What ran between sizes
        // before (the reduction, the formatting, a printed line that woke hpcrun to forward it) was
        // compiled or tiered up by the runtime there, on a background thread that took a core from a
        // rank inside a timed loop: up to 30 methods and 18 ms of JIT per rank and benchmark
        // (System.Runtime.JitInfo read around the timed part).
        var timedSeconds = new double[sizes.Count];
        var counts = new long[sizes.Count];
        for (int k = 0; k < sizes.Count; k++)
        {
            long s = sizes[k];
            Buffers buffers = Buffers.For(b, s, _peer.Size);
            Collect();
            (int iters, int skip) = SuiteSpec.Counts(b, s, options.Quick);
            Phase(b, s, buffers, skip, SuiteSpec.BatchOf(skip), 1, options.BudgetSeconds / 4, out _);
            counts[k] = Phase(b, s, buffers, iters, SuiteSpec.BatchOf(iters), SuiteSpec.MinMeasured, options.BudgetSeconds, out timedSeconds[k]);
        }
        if (_peer.Rank == 0)
        {
            output.WriteLine($"# bench {SuiteSpec.Name(b)} np {_peer.Size} impl {_peer.Implementation}");
            output.WriteLine($"# size {SuiteSpec.ValueColumn(b)} iterations");
        }
        for (int k = 0; k < sizes.Count; k++)
        {
            long s = sizes[k], n = counts[k];
            double seconds = timedSeconds[k];
            double value = b switch
            {
                Bench.Latency => seconds * 1e6 / (2.0 * n),
                Bench.Bw => (double)s * SuiteSpec.Window * n / seconds / 1e6,
                Bench.Bibw => 2.0 * s * SuiteSpec.Window * n / seconds / 1e6,
                _ => _peer.SumToRoot(seconds * 1e6 / n) / _peer.Size,
            };
            if (_peer.Rank == 0) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s} {value:F3} {n}"));
        }
        if (_peer.Rank == 0)
        {
            output.WriteLine($"# end {SuiteSpec.Name(b)}");
            output.Flush();
        }
    }

    /// <summary>A full blocking collection after a size's arrays are allocated (untimed): the suite's
    /// own allocations (up to 8 MiB a size) must not start a background collection that then competes
    /// for the core with a timed loop.</summary>
    private static void Collect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
        GC.WaitForPendingFinalizers();
    }

    /// <summary>Up to <paramref name="target"/> iterations in batches of 1, 2, 4, ... up to
    /// <paramref name="cap"/>; after each batch rank 0 says (one untimed broadcast) whether the budget
    /// is spent, once <paramref name="least"/> iterations are done; then one untimed barrier. Returns
    /// the iterations run.</summary>
    private long Phase(Bench b, long size, Buffers buffers, long target, long cap, long least, double budget, out double seconds)
    {
        long done = 0, batch = 1;
        long start = Stopwatch.GetTimestamp();
        seconds = 0;
        _peer.Barrier();
        while (done < target)
        {
            long n = Math.Min(batch, target - done);
            seconds += Body(b, size, buffers, n);
            done += n;
            batch = Math.Min(batch * 2, cap);
            bool stop = _peer.Rank == 0 && done >= least && Stopwatch.GetElapsedTime(start).TotalSeconds > budget;
            if (_peer.BroadcastFlag(stop, 0)) break;
        }
        // Untimed: every rank waits here until every rank has left the last timed call. Without it
        // a rank could still be inside that call, its clock running, while a rank sharing its core
        // allocates and collects for the next size or formats the results without yielding: np 4 on
        // 2 cores, the last barrier of a run took 1.7-4.8 ms on one or two ranks, 2-5 us added to a
        // 2.8 us average over 1000 calls.
        _peer.Barrier();
        return done;
    }

    private static double Seconds(long from, long to) => (double)(to - from) / Stopwatch.Frequency;

    /// <summary>n iterations; this rank's measured seconds, by the OSU rules. Compiled as a user's loop
    /// is: no attributes, the runtime's default tiering (plus what the HpcMsg package sets).</summary>
    private double Body(Bench b, long size, Buffers x, long n)
    {
        int rank = _peer.Rank;
        long t0;
        switch (b)
        {
            case Bench.Latency:
                t0 = Stopwatch.GetTimestamp();
                for (long i = 0; i < n; i++)
                {
                    if (rank == 0)
                    {
                        _peer.Send(x.Send, 1, SuiteSpec.DataTag);
                        _peer.Recv(x.Recv, 1, SuiteSpec.DataTag);
                    }
                    else if (rank == 1)
                    {
                        _peer.Recv(x.Recv, 0, SuiteSpec.DataTag);
                        _peer.Send(x.Send, 0, SuiteSpec.DataTag);
                    }
                }
                return Seconds(t0, Stopwatch.GetTimestamp());
            case Bench.Bw:
                t0 = Stopwatch.GetTimestamp();
                for (long i = 0; i < n; i++)
                {
                    if (rank == 0)
                    {
                        for (int w = 0; w < SuiteSpec.Window; w++) _peer.ISend(w, x.Send, 1, SuiteSpec.DataTag);
                        _peer.WaitAll(SuiteSpec.Window);
                        _peer.Recv(_ack, 1, SuiteSpec.AckTag);
                    }
                    else if (rank == 1)
                    {
                        for (int w = 0; w < SuiteSpec.Window; w++) _peer.IRecv(w, x.Recv, 0, SuiteSpec.DataTag);
                        _peer.WaitAll(SuiteSpec.Window);
                        _peer.Send(_ack, 0, SuiteSpec.AckTag);
                    }
                }
                return Seconds(t0, Stopwatch.GetTimestamp());
            case Bench.Bibw:
                t0 = Stopwatch.GetTimestamp();
                for (long i = 0; i < n; i++)
                {
                    if (rank > 1) continue;
                    int other = 1 - rank;
                    for (int w = 0; w < SuiteSpec.Window; w++) _peer.IRecv(w, x.Recv, other, SuiteSpec.DataTag);
                    for (int w = 0; w < SuiteSpec.Window; w++) _peer.ISend(SuiteSpec.Window + w, x.Send, other, SuiteSpec.DataTag);
                    _peer.WaitAll(2 * SuiteSpec.Window);
                }
                return Seconds(t0, Stopwatch.GetTimestamp());
        }

        // Collectives: each call timed alone, a barrier between calls (osu_bcast and friends).
        long ticks = 0;
        for (long i = 0; i < n; i++)
        {
            t0 = Stopwatch.GetTimestamp();
            switch (b)
            {
                case Bench.Barrier: _peer.Barrier(); break;
                case Bench.Bcast: _peer.Bcast(x.Send, 0); break;
                case Bench.Reduce: _peer.Reduce(x.SendFloats, x.RecvFloats, 0); break;
                case Bench.Allreduce: _peer.Allreduce(x.SendFloats, x.RecvFloats); break;
                case Bench.Scatter: _peer.Scatter(x.Send, x.Recv, 0); break;
                case Bench.Gather: _peer.Gather(x.Send, x.Recv, 0); break;
                case Bench.Allgather: _peer.Allgather(x.Send, x.Recv); break;
                case Bench.Alltoall: _peer.Alltoall(x.Send, x.Recv); break;
            }
            ticks += Stopwatch.GetTimestamp() - t0;
            if (b != Bench.Barrier) _peer.Barrier();
        }
        return (double)ticks / Stopwatch.Frequency;
    }

    /// <summary>The arrays of one size, each exactly as long as its message; every page written once
    /// before anything is timed.</summary>
    private sealed class Buffers
    {
        public byte[] Send = [];
        public byte[] Recv = [];
        public float[] SendFloats = [];
        public float[] RecvFloats = [];

            public static Buffers For(Bench b, long size, int np)
        {
            int s = checked((int)size);
            var x = new Buffers();
            switch (b)
            {
                case Bench.Reduce or Bench.Allreduce:
                    x.SendFloats = new float[s / 4];
                    x.RecvFloats = new float[s / 4];
                    x.SendFloats.AsSpan().Fill(1f);
                    x.RecvFloats.AsSpan().Fill(-1f);
                    return x;
                case Bench.Scatter:
                    (x.Send, x.Recv) = (new byte[s * np], new byte[s]);
                    break;
                case Bench.Gather or Bench.Allgather:
                    (x.Send, x.Recv) = (new byte[s], new byte[s * np]);
                    break;
                case Bench.Alltoall:
                    (x.Send, x.Recv) = (new byte[s * np], new byte[s * np]);
                    break;
                default:
                    (x.Send, x.Recv) = (new byte[s], new byte[s]);
                    break;
            }
            x.Send.AsSpan().Fill(1);
            x.Recv.AsSpan().Fill(0xFF);
            return x;
        }
    }
}
