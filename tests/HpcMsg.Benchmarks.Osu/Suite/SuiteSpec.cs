namespace HpcMsg.Benchmarks.Osu.Suite;

/// <summary>The benchmarks of the suite, in the order they run.</summary>
public enum Bench
{
    Latency, Bw, Bibw, Barrier, Bcast, Reduce, Allreduce, Scatter, Gather, Allgather, Alltoall,
}

/// <summary>
/// The measuring rules, shared by the HpcMsg and MPI.NET programs and mirrored line for line by
/// tests/HpcMsg.Benchmarks.Native/osu_like.c (change both together). They follow the OSU
/// micro-benchmarks:
/// <list type="bullet">
/// <item>latency: ping-pong between ranks 0 and 1, one-way time = round trip / 2; 10,000 iterations
/// after 100 warm-up up to 8 KiB, 1,000 after 10 above; sizes 0, 1, 2, 4, ..., 4 MiB.</item>
/// <item>bw: rank 0 posts a window of 64 non-blocking sends, rank 1 64 receives, both wait, rank 1
/// answers with 4 bytes; 100 windows after 10 (20 after 2 above 8 KiB); MB/s = 10^6 bytes a second.
/// bibw: both ranks post 64 receives and 64 sends each window; bytes counted both ways.</item>
/// <item>collectives: each call timed alone with a barrier between calls; 1,000 calls after 100
/// (100 after 10 above 8 KiB); the value is the average over the ranks of each rank's mean time.
/// Sizes 4 B, 16 B, ..., 1 MiB (powers of 4) per rank's block: the bcast buffer, the reduce vector
/// (floats, sum), each rank's block of scatter, gather, allgather and alltoall.</item>
/// <item>C# only: a blocking garbage collection after each size's arrays are allocated, before its
/// warm-up, so that the collector does not run for the suite's own allocations during a timed loop;
/// and after each benchmark's warm-up, <see cref="SettleMilliseconds"/> of sleep on every rank, so
/// that the JIT's background compilation of the warmed-up code is done before anything is timed; and
/// the results reduced, formatted and printed only after the last size (osu_like.c's printf to a
/// pipe is buffered alike), so that nothing is compiled or forwarded by hpcrun between timed sizes.</item>
/// <item>--quick divides the counts by 10 (at least 2 iterations and 1 warm-up).</item>
/// <item>Warm-up: before its first size, every benchmark runs untimed at each of its sizes for
/// <c>--warmup</c> seconds in all (0.5 s, 0.2 s quick), so that the JIT's optimised code and the page
/// tables are in place before anything is timed.</item>
/// <item>Time cap: iterations run in batches of 1, 2, 4, ... up to a tenth of the count; after each
/// batch rank 0 broadcasts (untimed) whether the size's budget (<c>--budget</c>, 2 s, 0.2 s quick; a quarter of it for the warm-up
/// iterations) is spent; never before 5 measured iterations. Only a collapse hits it (MPICH oversubscribed: 8 ms a call); the iterations
/// actually run are printed in the third column.</item>
/// <item>Every phase (warm-up or measured) ends with an untimed barrier, so that every rank has left
/// the last timed call before any rank goes on to the next size or the results.</item>
/// </list>
/// </summary>
public static class SuiteSpec
{
    /// <summary>Idle time after each benchmark's warm-up (C# suites): the tiered JIT's background
    /// compiles of the warmed-up code finish in it.</summary>
    public const int SettleMilliseconds = 200;

    public const int LargeMessage = 8192;
    public const int P2PMax = 4 << 20;
    public const int CollMin = 4;
    public const int CollMax = 1 << 20;
    public const int CollStep = 4;
    public const int Window = 64;
    public const int AckBytes = 4;
    public const int MinMeasured = 5;
    public const int DataTag = 1;
    public const int AckTag = 2;

    public static bool IsPointToPoint(Bench b) => b <= Bench.Bibw;

    public static string Name(Bench b) => b.ToString().ToLowerInvariant();

    public static (int Iterations, int Skip) Counts(Bench b, long size, bool quick)
    {
        bool large = size > LargeMessage;
        (int iters, int skip) = b switch
        {
            Bench.Latency => large ? (1000, 10) : (10000, 100),
            Bench.Bw or Bench.Bibw => large ? (20, 2) : (100, 10),
            _ => large ? (100, 10) : (1000, 100),
        };
        if (quick) (iters, skip) = (Math.Max(2, iters / 10), Math.Max(1, skip / 10));
        return (iters, skip);
    }

    public static int BatchOf(long iterations) => (int)Math.Max(1, iterations / 10);

    public static long SizeLimit(Bench b, long maxSize)
    {
        long m = IsPointToPoint(b) ? P2PMax : CollMax;
        return maxSize >= 0 && maxSize < m ? maxSize : m;
    }

    public static long FirstSize(Bench b) => IsPointToPoint(b) || b == Bench.Barrier ? 0 : CollMin;

    public static long NextSize(Bench b, long s) => s == 0 ? 1 : IsPointToPoint(b) ? s * 2 : s * CollStep;

    public static IEnumerable<long> Sizes(Bench b, long maxSize)
    {
        if (b == Bench.Barrier)
        {
            yield return 0;
            yield break;
        }
        long limit = SizeLimit(b, maxSize);
        for (long s = FirstSize(b); s <= limit; s = NextSize(b, s)) yield return s;
    }

    /// <summary>The unit of the value column.</summary>
    public static string ValueColumn(Bench b) => b is Bench.Bw or Bench.Bibw ? "bandwidth_MBps" : "latency_us";
}
