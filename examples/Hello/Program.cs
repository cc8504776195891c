// Hello: MPI.NET's classic first program, ported (docs/migrating-from-mpi-net.md). Every rank greets
// the world with its rank and host. MPI.NET:
//     using (new MPI.Environment(ref args))
//         Console.WriteLine("Hello, World! from rank " + Communicator.world.Rank
//                           + " (running on " + MPI.Environment.ProcessorName + ")");
// Added for the tests: rank 0 gathers every rank's number and checks that each rank spoke once.
using System.Diagnostics;
using HpcMsg;
using static HpcMsg.Examples.Report;

using var world = Communicator.Init();
var clock = Stopwatch.StartNew();
Console.WriteLine(F($"Hello, World! from rank {world.Rank} of {world.Size} (running on {Environment.MachineName})"));

var ranks = new int[world.Rank == 0 ? world.Size : 0];
world.Gather<int>([world.Rank], ranks, 0);
bool ok = world.Rank != 0 || ranks.SequenceEqual(Enumerable.Range(0, world.Size));
return Finish(world, "Hello", ok, F($"{world.Size} ranks said hello"), MaxTime(world, clock));
