// Ring: a token travels around all ranks several times; each rank adds its rank number.
// Checked result: after `laps` laps the token equals laps * (0 + 1 + ... + size-1).
using HpcMsg;

using var world = Communicator.Init();
int rank = world.Rank, size = world.Size;
int laps = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10;
const int Tag = 7;

long token = 0;
int next = (rank + 1) % size, prev = (rank - 1 + size) % size;
for (int lap = 0; lap < laps; lap++)
{
    if (rank == 0)
    {
        token += rank;
        world.Send(token, next, Tag);
        token = world.Recv<long>(prev, Tag);
    }
    else
    {
        token = world.Recv<long>(prev, Tag);
        token += rank;
        world.Send(token, next, Tag);
    }
}

if (rank == 0)
{
    long expected = (long)laps * size * (size - 1) / 2;
    bool ok = token == expected;
    Console.WriteLine($"Ring: {size} ranks, {laps} laps, token = {token}, expected {expected}: {(ok ? "OK" : "WRONG")}");
    if (!ok) return 1;
}
return 0;
