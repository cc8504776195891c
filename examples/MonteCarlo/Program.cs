// MonteCarlo: the volume of the unit ball in --dim dimensions, estimated by throwing --samples
// points into the cube [-1, 1]^dim and counting those inside; the exact value is
// π^(d/2) / Γ(d/2 + 1) (8π²/15 for d = 5). Embarrassingly parallel: each rank takes a contiguous
// range of sample numbers, counts its hits, and Reduce adds the counts on rank 0.
// Random numbers are counter-based (a hash of the seed and the sample's number), so the result is
// reproducible for a given seed and sample count, whatever the rank count, and exactly so: the hit
// count is an integer. Verified: within 5 standard errors of the exact volume, and for small runs
// equal to a serial count on rank 0.
using System.Diagnostics;
using HpcMsg;
using HpcMsg.Examples;
using static HpcMsg.Examples.Report;

using var world = Communicator.Init();
int rank = world.Rank, size = world.Size;

var options = new ExampleOptions("MonteCarlo", args);
long samples = options.Long("samples", 60_000_000, "number of random points", min: 1);
int dim = options.Int("dim", 5, "dimension of the ball", min: 1);
int seed = options.Int("seed", 2024, "seed of the random numbers");
string serialCheck = options.Choice("serial-check", "auto", "also count serially on rank 0 (auto: samples <= 2e7)", "auto", "yes", "no");
options.Require(dim <= 20, "--dim must be at most 20 (beyond that almost no point falls inside)");
if (!options.Validate(rank)) return options.ExitCode;

(long first, long count) = Decomposition.Block(samples, size, rank);

world.Barrier();
var clock = Stopwatch.StartNew();
long myHits = CountHits(seed, dim, first, count);
long hits = world.Reduce(myHits, Op.Sum, root: 0);
clock.Stop();
double seconds = MaxTime(world, clock);

bool ok = true;
string details = "";
if (rank == 0)
{
    double cube = Math.Pow(2, dim);
    double p = (double)hits / samples;
    double estimate = cube * p;
    double standardError = cube * Math.Sqrt(p * (1 - p) / samples);
    double exact = BallVolume(dim);
    double sigmas = estimate == exact ? 0 : standardError > 0 ? Math.Abs(estimate - exact) / standardError : double.PositiveInfinity;
    ok = sigmas <= 5;
    details = F($"volume of the {dim}-ball ≈ {estimate:F6} ± {standardError:F6} ({hits} of {samples} points inside, seed {seed}), exact {exact:F6}, off by {sigmas:F2} standard errors");
    if (serialCheck == "yes" || serialCheck == "auto" && samples <= 20_000_000)
    {
        long serialHits = CountHits(seed, dim, 0, samples);
        ok &= serialHits == hits;
        details += serialHits == hits ? ", hit count equal to a serial run's" : F($", hit count DIFFERS from a serial run's {serialHits}");
    }
    else
    {
        details += ", serial check skipped";
    }
}

return Finish(world, "MonteCarlo", ok,
    F($"{details}; {size} ranks, {seconds:F3} s, {samples / seconds / 1e6:F1} M samples/s"),
    seconds);

// Points numbered [first, first + count): coordinate c of point i is a hash of (seed, i, c) mapped to
// [-1, 1) with 53 random bits.
static long CountHits(int seed, int dim, long first, long count)
{
    ulong key = Mix((ulong)seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL);
    long hits = 0;
    for (long i = first; i < first + count; i++)
    {
        ulong counter = key + (ulong)i * (ulong)dim * 0xD1B54A32D192ED03UL;
        double r2 = 0;
        for (int c = 0; c < dim && r2 <= 1; c++)
        {
            ulong bits = Mix(counter + (ulong)c * 0xD1B54A32D192ED03UL);
            double coordinate = (bits >> 11) * (2.0 / (1UL << 53)) - 1.0;
            r2 += coordinate * coordinate;
        }
        if (r2 <= 1) hits++;
    }
    return hits;
}

static ulong Mix(ulong z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}

// π^(d/2) / Γ(d/2 + 1), by the recurrence V(d) = V(d - 2) · 2π / d from V(0) = 1, V(1) = 2.
static double BallVolume(int d) => d == 0 ? 1 : d == 1 ? 2 : BallVolume(d - 2) * 2 * Math.PI / d;
