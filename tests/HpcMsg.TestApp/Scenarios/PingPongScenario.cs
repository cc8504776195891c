using System.Diagnostics;
using System.Globalization;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Latency, OSU style: ranks 0 and 1 bounce a message of the given size; after a warm-up, five
/// batches of <c>iters</c> round trips are timed and rank 0 prints
/// "LATENCY_US &lt;median one-way microseconds&gt;". Needs 2 or more ranks; others only finalize.
/// </summary>
internal sealed class PingPongScenario : IScenario
{
    private const int Batches = 5;

    public string Name => "pingpong";
    public string Arguments => "<bytes> <iters>";

    public Task RunAsync(Communicator world, string[] args)
    {
        int bytes = ScenarioArgs.Int(args, 0, "bytes");
        int iters = ScenarioArgs.Int(args, 1, "iters");
        Check.True(world.Size >= 2, "pingpong needs at least 2 ranks");
        if (world.Rank > 1) return Task.CompletedTask;

        var buffer = Patterns.Make(bytes, bytes);
        RoundTrips(world, buffer, Math.Max(1, iters / 10)); // warm-up: JIT, page faults, caches
        var oneWay = new double[Batches];
        for (int b = 0; b < Batches; b++)
        {
            long start = Stopwatch.GetTimestamp();
            RoundTrips(world, buffer, iters);
            oneWay[b] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / (2.0 * iters);
        }
        Patterns.Verify(buffer, bytes, "ping-pong payload after the last round trip");
        if (world.Rank == 0)
        {
            Array.Sort(oneWay);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LATENCY_US {oneWay[Batches / 2]:F3}"));
        }
        return Task.CompletedTask;
    }

    private static void RoundTrips(Communicator world, byte[] buffer, int iters)
    {
        for (int i = 0; i < iters; i++)
        {
            if (world.Rank == 0)
            {
                world.Send<byte>(buffer, 1, 1);
                world.Recv<byte>(buffer, 1, 1);
            }
            else
            {
                world.Recv<byte>(buffer, 0, 1);
                world.Send<byte>(buffer, 0, 1);
            }
        }
    }
}
