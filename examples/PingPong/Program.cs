// PingPong: MPI.NET's classic example, ported (docs/migrating-from-mpi-net.md). Rank 0 pings every
// other rank in turn with a string; each answers with the name of the host it runs on. MPI.NET sends
// any serializable object with Send/Receive; HpcMsg sends objects with SendObject/RecvObject and
// keeps Send/Recv for unmanaged values, which travel without serialization. Verified: every rank
// answered, from its own rank, with a host name.
using System.Diagnostics;
using HpcMsg;
using static HpcMsg.Examples.Report;

const int PingTag = 0, PongTag = 1;
using var world = Communicator.Init();
var clock = Stopwatch.StartNew();
bool ok = true;
int answered = 0;

if (world.Rank == 0)
{
    Console.WriteLine(F($"Rank 0 is alive and running on {Environment.MachineName}"));
    for (int dest = 1; dest < world.Size; dest++)
    {
        Console.Write(F($"Pinging process with rank {dest}..."));
        world.SendObject("Ping!", dest, PingTag);
        string host = world.RecvObject<string>(dest, PongTag, out Status status);
        Console.WriteLine(" Pong!");
        Console.WriteLine(F($"  Rank {dest} is alive and running on {host}"));
        ok &= status.Source == dest && host.Length > 0;
        answered++;
    }
}
else
{
    string ping = world.RecvObject<string>(0, PingTag);
    ok = ping == "Ping!";
    world.SendObject(Environment.MachineName, 0, PongTag);
}

ok = world.Allreduce(ok ? 1 : 0, Op.Min) == 1; // a rank that got a wrong ping fails the run too
return Finish(world, "PingPong", ok, F($"{answered} of {world.Size - 1} ranks answered"), MaxTime(world, clock));
