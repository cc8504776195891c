using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// The node collectives' alternating slot halves (one barrier per small Allreduce or Broadcast, two
/// above half a slot): N calls drawn from a seed that every rank shares, Allreduce (Sum of longs,
/// rank-dependent values) and Broadcast from a random root, with sizes on both sides of half a slot
/// and at its edges, in random order; before a call one rank (drawn too) is late by a random spin,
/// so that fast ranks write the next call's half while slow ones still read the last. Every result
/// is checked against the value computed here. A rank that lapped a reader would corrupt its sum.
/// </summary>
internal sealed class NodeSlotsScenario : IScenario
{
    public string Name => "node-slots";
    public string Arguments => "[N=3000] [seed=7]";

    // Element counts of 8-byte longs around half a slot (2 KiB = 256) and a whole slot (4 KiB = 512).
    private static readonly int[] Counts = [1, 2, 17, 255, 256, 257, 300, 511, 512];

    public Task RunAsync(Communicator world, string[] args)
    {
        int n = ScenarioArgs.Int(args, 0, "N", 3000);
        int seed = ScenarioArgs.Int(args, 1, "seed", 7);
        var random = new Random(seed);
        var send = new long[512];
        var recv = new long[512];
        for (int call = 0; call < n; call++)
        {
            int count = Counts[random.Next(Counts.Length)];
            bool allreduce = random.Next(2) == 0;
            int root = random.Next(world.Size);
            int late = random.Next(world.Size);
            int spin = random.Next(20_000);
            if (late == world.Rank) Thread.SpinWait(spin);
            if (allreduce)
            {
                for (int i = 0; i < count; i++) send[i] = Value(call, world.Rank, i);
                world.Allreduce<long>(send.AsSpan(0, count), recv.AsSpan(0, count), Op.Sum);
                for (int i = 0; i < count; i++)
                {
                    long expected = 0;
                    for (int r = 0; r < world.Size; r++) expected += Value(call, r, i);
                    if (recv[i] != expected)
                        throw new ScenarioFailedException($"call {call} (Allreduce of {count}): element {i} is {recv[i]}, expected {expected}");
                }
            }
            else
            {
                for (int i = 0; i < count; i++) send[i] = world.Rank == root ? Value(call, root, i) : -1;
                world.Broadcast<long>(send.AsSpan(0, count), root);
                for (int i = 0; i < count; i++)
                {
                    if (send[i] != Value(call, root, i))
                        throw new ScenarioFailedException($"call {call} (Broadcast of {count} from {root}): element {i} is {send[i]}, expected {Value(call, root, i)}");
                }
            }
        }
        Console.WriteLine($"rank {world.Rank}: {n} node collectives, every result right");
        return Task.CompletedTask;
    }

    private static long Value(int call, int rank, int i) => ((long)call << 32) ^ ((long)rank << 20) ^ (i * 7919L);
}
