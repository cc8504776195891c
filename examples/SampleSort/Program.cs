// SampleSort: parallel sample sort of --n 64-bit keys (default 10^7). Each rank sorts its share,
// picks --oversample evenly spaced samples, and Allgather gives every rank all samples, from which
// all choose the same size - 1 splitters. Each rank cuts its sorted keys at the splitters; an
// Alltoall of the counts and an Alltoallv of the keys send bucket j to rank j, which merges the
// sorted pieces it received. Verified: every rank's keys sorted, each rank's last key <= the next
// non-empty rank's first, the key count and an order-independent fingerprint of the keys equal to
// the input's, and for small n every key equal to a serial sort's on rank 0.
using System.Diagnostics;
using HpcMsg;
using HpcMsg.Examples;
using static HpcMsg.Examples.Report;

using var world = Communicator.Init();
int rank = world.Rank, size = world.Size;

var options = new ExampleOptions("SampleSort", args);
long n = options.Long("n", 10_000_000, "total number of keys", min: 1);
int seed = options.Int("seed", 1, "seed of the keys");
long range = options.Long("key-range", 0, "keys in [0, range) (small ranges give many repeats); 0: any 64-bit value", min: 0);
int oversample = options.Int("oversample", 64, "samples per rank for choosing splitters", min: 1);
string serialCheck = options.Choice("serial-check", "auto", "also compare with a serial sort on rank 0 (auto: n <= 2e6)", "auto", "yes", "no");
options.Require(n >= size, $"--n {n} must be at least the number of ranks ({size})");
options.Require(n / size <= int.MaxValue / 2, $"--n {n} is too large for {size} ranks (at most {int.MaxValue / 2L * size} keys)");
if (!options.Validate(rank)) return options.ExitCode;

(long start, long myCount) = Decomposition.Block(n, size, rank);
long[] keys = Keys.Generate(seed, start, (int)myCount, range);
ulong inputPrint = world.Allreduce(Keys.Fingerprint(keys), Op.Sum);

world.Barrier();
var clock = Stopwatch.StartNew();

// 1. Sort locally and sample evenly.
Array.Sort(keys);
var samples = new long[oversample];
for (int i = 0; i < oversample; i++) samples[i] = keys[(int)((i + 1L) * keys.Length / (oversample + 1))];

// 2. Every rank gets all samples and picks the same splitters.
var allSamples = new long[oversample * size];
world.Allgather<long>(samples, allSamples);
Array.Sort(allSamples);
var splitters = new long[size - 1];
for (int j = 0; j < size - 1; j++) splitters[j] = allSamples[(j + 1) * oversample];

// 3. Bucket j holds the keys in (splitters[j - 1], splitters[j]]: cut the sorted keys by binary search.
var sendCounts = new int[size];
int from = 0;
for (int j = 0; j < size; j++)
{
    int to = j < size - 1 ? UpperBound(keys, from, splitters[j]) : keys.Length;
    sendCounts[j] = to - from;
    from = to;
}

// 4. Exchange counts, then keys, and merge the sorted pieces.
var recvCounts = new int[size];
world.Alltoall<int>(sendCounts, recvCounts);
long received = 0;
foreach (int c in recvCounts) received += c;
if (received > int.MaxValue) throw new InvalidOperationException($"rank {rank} would receive {received} keys, more than an array holds");
var bucket = new long[received];
world.Alltoallv<long>(keys, sendCounts, bucket, recvCounts);
long[] sorted = Keys.MergeRuns(bucket, keys.Length >= bucket.Length ? keys : new long[bucket.Length], recvCounts);
Span<long> mine = sorted.AsSpan(0, (int)received);

clock.Stop();
double seconds = MaxTime(world, clock);

// Verification.
bool locallySorted = true;
for (int i = 1; i < mine.Length; i++)
    if (mine[i] < mine[i - 1]) { locallySorted = false; break; }
var edges = new long[3 * size];   // per rank: key count, first key, last key
world.Allgather<long>([mine.Length, mine.Length > 0 ? mine[0] : 0, mine.Length > 0 ? mine[^1] : 0], edges);
bool edgesInOrder = true;
long? previousLast = null;
long largest = 0;
for (int r = 0; r < size; r++)
{
    if (edges[3 * r] == 0) continue;
    if (previousLast is long last && last > edges[3 * r + 1]) edgesInOrder = false;
    previousLast = edges[3 * r + 2];
    largest = Math.Max(largest, edges[3 * r]);
}
bool allSorted = world.Allreduce(locallySorted ? 1 : 0, Op.Min) == 1 && edgesInOrder;
long total = world.Allreduce((long)mine.Length, Op.Sum);
ulong outputPrint = world.Allreduce(Keys.Fingerprint(mine), Op.Sum);
bool ok = allSorted && total == n && outputPrint == inputPrint;
string details = F($"globally sorted: {(allSorted ? "yes" : "NO")}, count {total} of {n}, fingerprint {(outputPrint == inputPrint ? "equal to the input's" : "DIFFERS from the input's")}, largest bucket {largest * (double)size / n:F3}x the average");

if (serialCheck == "yes" || serialCheck == "auto" && n <= 2_000_000)
{
    var counts = new int[size];
    for (int r = 0; r < size; r++) counts[r] = (int)edges[3 * r];
    var all = new long[rank == 0 ? n : 0];
    world.Gatherv<long>(mine, all, counts, root: 0);
    if (rank == 0)
    {
        long[] reference = Keys.Generate(seed, 0, (int)n, range);
        Array.Sort(reference);
        bool same = reference.AsSpan().SequenceEqual(all);
        ok &= same;
        details += same ? ", equal to a serial sort" : ", DIFFERENT from a serial sort";
    }
}
else
{
    details += ", serial sort check skipped";
}

return Finish(world, "SampleSort", ok,
    F($"{n} keys on {size} ranks; {details}; {seconds:F3} s, {n / seconds / 1e6:F1} M keys/s"),
    seconds);

// The first index in [from, keys.Length) whose key is greater than value.
static int UpperBound(long[] keys, int from, long value)
{
    int lo = from, hi = keys.Length;
    while (lo < hi)
    {
        int mid = lo + (hi - lo) / 2;
        if (keys[mid] <= value) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}
