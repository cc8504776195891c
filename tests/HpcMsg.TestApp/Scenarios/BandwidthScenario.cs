using System.Diagnostics;
using System.Globalization;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Bandwidth, OSU style: rank 0 posts a window of ISends of the given size to rank 1, waits for
/// them, then waits for rank 1's 4-byte acknowledgement; <c>iters</c> such windows after a warm-up.
/// Rank 0 prints "BANDWIDTH_MBS &lt;10^6 bytes per second&gt;". Needs 2 or more ranks.
/// </summary>
internal sealed class BandwidthScenario : IScenario
{
    private const int DataTag = 1, AckTag = 2;

    public string Name => "bandwidth";
    public string Arguments => "<bytes> <window> <iters>";

    public Task RunAsync(Communicator world, string[] args)
    {
        int bytes = ScenarioArgs.Int(args, 0, "bytes");
        int window = ScenarioArgs.Int(args, 1, "window");
        int iters = ScenarioArgs.Int(args, 2, "iters");
        Check.True(world.Size >= 2, "bandwidth needs at least 2 ranks");
        if (world.Rank > 1) return Task.CompletedTask;

        // One buffer per slot of the window, as the OSU benchmark's receiver does.
        var buffers = new byte[window][];
        for (int w = 0; w < window; w++) buffers[w] = world.Rank == 0 ? Patterns.Make(bytes, bytes) : new byte[bytes];
        Windows(world, buffers, Math.Max(1, iters / 10));
        long start = Stopwatch.GetTimestamp();
        Windows(world, buffers, iters);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (world.Rank == 1)
        {
            foreach (byte[] b in buffers) Patterns.Verify(b, bytes, "bandwidth payload");
        }
        else
        {
            double mbs = (double)bytes * window * iters / seconds / 1e6;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BANDWIDTH_MBS {mbs:F1}"));
        }
        return Task.CompletedTask;
    }

    private static void Windows(Communicator world, byte[][] buffers, int iters)
    {
        var requests = new Request[buffers.Length];
        for (int i = 0; i < iters; i++)
        {
            for (int w = 0; w < buffers.Length; w++)
            {
                requests[w] = world.Rank == 0
                    ? world.ISend(buffers[w], 1, DataTag)
                    : world.IRecv(buffers[w], 0, DataTag);
            }
            Request.WaitAll(requests);
            if (world.Rank == 0) world.Recv<int>(1, AckTag);
            else world.Send(0, 0, AckTag);
        }
    }
}
