using System.Diagnostics;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// N barriers, each checked against the clock that all ranks of a host share: a rank may leave a
/// barrier only after every rank has entered it. Each rank takes the time just before it enters and
/// just after it leaves; after the last barrier the entry times are gathered and compared with the
/// exit times. In every third barrier one rank (a different one each time) is late by 1-3 ms, so
/// that the others have to wait, long enough to sleep when polling is turned off. The barriers run
/// back to back, with no other call between them: a message between two barriers would wake a rank
/// whose barrier wake-up was lost, and hide it.
/// </summary>
internal sealed class BarrierScenario : IScenario
{
    public string Name => "barrier";
    public string Arguments => "[N=300]";

    public Task RunAsync(Communicator world, string[] args)
    {
        int n = ScenarioArgs.Int(args, 0, "N", 300);
        long[] entered = new long[n], left = new long[n];
        for (int i = 0; i < n; i++)
        {
            if (i % 3 == 0 && (i / 3) % world.Size == world.Rank) Thread.Sleep(1 + i % 3);
            entered[i] = Stopwatch.GetTimestamp();
            world.Barrier();
            left[i] = Stopwatch.GetTimestamp();
        }
        long[] entries = new long[(long)n * world.Size];
        world.Allgather<long>(entered, entries);
        for (int i = 0; i < n; i++)
        {
            for (int r = 0; r < world.Size; r++)
            {
                long entry = entries[(long)r * n + i];
                if (entry > left[i])
                    throw new InvalidOperationException(
                        $"barrier {i}: rank {world.Rank} left it {Stopwatch.GetElapsedTime(left[i], entry).TotalMicroseconds:F1} us before rank {r} entered it");
            }
        }
        Console.WriteLine($"rank {world.Rank}: {n} barriers, none left early");
        return Task.CompletedTask;
    }
}
