// NBody: all-pairs gravity. Each rank owns a contiguous block of the bodies (sizes differ by at most
// one) and integrates them with kick-drift-kick leapfrog; after every drift the positions of all
// bodies are assembled on every rank with Allgatherv, so each rank can sum the pull of all bodies on
// its own. Verified by energy conservation (total energy summed with Allreduce at the start and the
// end) and, for small runs, by equality of the final positions with a serial run on rank 0.
using System.Diagnostics;
using HpcMsg;
using HpcMsg.Examples;
using static HpcMsg.Examples.Report;

using var world = Communicator.Init();
int rank = world.Rank, size = world.Size;

var options = new ExampleOptions("NBody", args);
int n = options.Int("n", 4000, "number of bodies", min: 1);
int steps = options.Int("steps", 40, "leapfrog steps", min: 0);
double dt = options.Double("dt", 1e-3, "time step");
double eps = options.Double("eps", 0.05, "softening length");
int seed = options.Int("seed", 42, "seed of the initial conditions");
double maxDrift = options.Double("max-drift", 1e-6, "largest relative energy change accepted");
string serialCheck = options.Choice("serial-check", "auto", "also compare with a serial run on rank 0 (auto: small runs)", "auto", "yes", "no");
options.Require(n >= size, $"--n {n} must be at least the number of ranks ({size})");
if (!options.Validate(rank)) return options.ExitCode;

double mass = 1.0 / n, eps2 = eps * eps;
(int begin, int count) = Decomposition.Block(n, size, rank);
int[] counts = Decomposition.Counts(n, size, multiplier: 3);

(double[] pos, double[] allVel) = Gravity.Start(n, seed);   // every rank makes the same bodies
double[] vel = allVel.AsSpan(3 * begin, 3 * count).ToArray();
var mine = new double[3 * count];
var acc = new double[3 * count];
var x = new double[n];
var y = new double[n];
var z = new double[n];

Gravity.Split(pos, x, y, z);
double energy0 = world.Allreduce(Gravity.Kinetic(vel, mass) + Gravity.Potential(x, y, z, begin, count, mass, eps2), Op.Sum);

world.Barrier();
var clock = Stopwatch.StartNew();
Gravity.Accelerations(x, y, z, begin, count, mass, eps2, acc);
for (int s = 0; s < steps; s++)
{
    for (int k = 0; k < 3 * count; k++)
    {
        vel[k] += 0.5 * dt * acc[k];
        mine[k] = pos[3 * begin + k] + dt * vel[k];
    }
    world.Allgatherv<double>(mine, pos, counts);
    Gravity.Split(pos, x, y, z);
    Gravity.Accelerations(x, y, z, begin, count, mass, eps2, acc);
    for (int k = 0; k < 3 * count; k++) vel[k] += 0.5 * dt * acc[k];
}
clock.Stop();
double seconds = MaxTime(world, clock);

double energy1 = world.Allreduce(Gravity.Kinetic(vel, mass) + Gravity.Potential(x, y, z, begin, count, mass, eps2), Op.Sum);
double drift = Math.Abs((energy1 - energy0) / energy0);
bool ok = drift <= maxDrift;

string serialText = "serial check skipped";
if (serialCheck == "yes" || serialCheck == "auto" && (double)n * n * steps <= 2e8)
{
    if (rank == 0)
    {
        double[] reference = Gravity.Serial(n, seed, steps, dt, eps2);
        double diff = 0;
        for (int k = 0; k < 3 * n; k++) diff = Math.Max(diff, Math.Abs(pos[k] - reference[k]));
        ok &= diff <= 1e-12;
        serialText = F($"max position difference from a serial run {diff:E1}");
    }
}

double pairs = (double)n * n * steps;
return Finish(world, "NBody", ok,
    F($"{n} bodies, {steps} steps of {dt} on {size} ranks, energy {energy0:F9} -> {energy1:F9}, relative drift {drift:E2} (bound {maxDrift:E0}), {serialText}; {seconds:F3} s, {pairs / seconds / 1e6:F0} M interactions/s"),
    seconds);
