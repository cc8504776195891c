// HpcMsgApp: every rank sums its share of 1..n, and Reduce adds the shares up on rank 0.
// Run it on 4 ranks from this folder (the launcher is the dotnet tool HpcRun):
//     hpcrun -n 4 .
// Started without hpcrun, the program is a job of one rank.
using HpcMsg;

using var world = Communicator.Init();
int rank = world.Rank, size = world.Size;

const long n = 1_000_000;
long share = 0;
for (long i = rank + 1; i <= n; i += size) share += i; // rank r takes r+1, r+1+size, ...

long total = world.Reduce(share, Op.Sum, 0);
if (rank == 0)
{
    long expected = n * (n + 1) / 2;
    Console.WriteLine($"HpcMsgApp: the sum of 1..{n} over {size} ranks is {total} ({(total == expected ? "right" : $"WRONG, expected {expected}")})");
}
return rank == 0 && total != n * (n + 1) / 2 ? 1 : 0;
