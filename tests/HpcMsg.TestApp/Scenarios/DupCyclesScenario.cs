using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Many Dup (and some Split) / Dispose cycles must run in bounded memory and never run out of context
/// ids: a freed communicator gives its id back, and messages left unreceived on it are dropped. Some
/// cycles carry traffic: a message passed around the ring, a barrier or an allreduce, and every 100th
/// an 8 KiB message to the right neighbour and one to itself that are never received. Checked at the
/// end: nothing of the freed communicators is left in the unexpected queue, the ids in use stay small (they are reused), and the
/// managed heap has not grown by the stale messages (about 16 MiB if they were kept).
/// </summary>
internal sealed class DupCyclesScenario : IScenario
{
    private const int StaleInts = 2048; // 8 KiB: eager on every transport, and heavy if kept
    private const int WarmupCycles = 1000;

    public string Name => "dupcycles";
    public string Arguments => "[cycles=100000]";

    public Task RunAsync(Communicator world, string[] args)
    {
        int cycles = ScenarioArgs.Int(args, 0, "cycles", 100_000);
        int right = PeerPairing.Right(world), left = PeerPairing.Left(world);
        var stale = new int[StaleInts];
        int highestContext = 0;
        long heapAfterWarmup = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < cycles; i++)
        {
            if (i == Math.Min(WarmupCycles, cycles / 2)) heapAfterWarmup = SettledHeap();
            Communicator comm = i % 7 == 3 ? world.Split(0, world.Size - world.Rank)! : world.Dup();
            highestContext = Math.Max(highestContext, comm.Context);
            if (i % 50 == 1)
            {
                comm.Send(i, right, 1);
                Check.Equal(i, comm.Recv<int>(Communicator.AnySource, 1), $"cycle {i}: ring message");
            }
            if (i % 16 == 5) comm.Barrier();
            if (i % 16 == 13) Check.Equal(comm.Size * (comm.Size - 1) / 2, comm.Allreduce(comm.Rank, Op.Sum), $"cycle {i}: allreduce");
            if (i % 100 == 7)
            {
                stale[0] = i;
                comm.Send<int>(stale, right, 2); // never received: dropped when the communicator is freed
                comm.Send<int>(stale, comm.Rank, 3);
            }
            comm.Dispose();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        world.Barrier();
        // Only the freed communicators' messages count: a faster rank may already have sent its part of
        // the world's next collective (the finalize at Dispose), which is early, not stale.
        (int unexpected, string stranded) = world.Engine.UnexpectedOutside(world.Context);
        long heapAtEnd = SettledHeap();
        long growth = heapAtEnd - heapAfterWarmup;
        Console.WriteLine($"rank {world.Rank}: {cycles} cycles in {seconds:F1} s; highest context id {highestContext}; heap {heapAfterWarmup / 1024} KiB after warm-up, {heapAtEnd / 1024} KiB at the end; {unexpected} unexpected messages of freed communicators left");
        Check.Equal(0, unexpected, $"messages of freed communicators left in the unexpected queue (they must be dropped): {stranded}");
        Check.True(highestContext < 64, $"context ids must be reused: the highest one used was {highestContext}");
        Check.True(growth < 4 << 20, $"the managed heap grew by {growth / 1024} KiB over {cycles} cycles");
        return Task.CompletedTask;
    }

    private static long SettledHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
