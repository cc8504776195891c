// Pi: integrate 4 / (1 + x^2) over [0, 1] with the midpoint rule; each rank sums a contiguous
// slice of the intervals and Allreduce adds the partial sums (in an order fixed by rank, so the
// result is the same every run).
using System.Diagnostics;
using HpcMsg;

using var world = Communicator.Init();
int rank = world.Rank, size = world.Size;
long intervals = args.Length > 0 ? long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000_000;

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

double pi = world.Allreduce(partial, Op.Sum);
if (rank != 0) return 0;

double error = Math.Abs(pi - Math.PI);
bool ok = error < 1e-10;
Console.WriteLine($"Pi = {pi:F15} on {size} ranks, {intervals} intervals, error {error:E2}, {clock.Elapsed.TotalMilliseconds:F1} ms: {(ok ? "OK" : "WRONG")}");
return ok ? 0 : 1;
