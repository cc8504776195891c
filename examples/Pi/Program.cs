// Pi: integrate 4 / (1 + x^2) over [0, 1] with the midpoint rule; each rank sums a contiguous
// slice of the intervals and rank 0 adds the partial sums, received with point-to-point messages.
using System.Diagnostics;
using HpcMsg;

using var world = Communicator.Init();
int rank = world.Rank, size = world.Size;
long intervals = args.Length > 0 ? long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000_000;
const int Tag = 1;

var clock = Stopwatch.StartNew();
double h = 1.0 / intervals;
long begin = intervals * rank / size, end = intervals * (rank + 1) / size;
double sum = 0;
for (long i = begin; i < end; i++)
{
    double x = h * (i + 0.5);
    sum += 4.0 / (1.0 + x * x);
}
double partial = sum * h;

if (rank != 0)
{
    world.Send(partial, 0, Tag);
    return 0;
}

// Add in rank order so that the result is the same every run.
double pi = partial;
for (int source = 1; source < size; source++) pi += world.Recv<double>(source, Tag);
double error = Math.Abs(pi - Math.PI);
bool ok = error < 1e-10;
Console.WriteLine($"Pi = {pi:F15} on {size} ranks, {intervals} intervals, error {error:E2}, {clock.Elapsed.TotalMilliseconds:F1} ms: {(ok ? "OK" : "WRONG")}");
return ok ? 0 : 1;
