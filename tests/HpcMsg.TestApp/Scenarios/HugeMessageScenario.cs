using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// A message of more than 2^31 bytes (300 million doubles, 2.4 GB) from rank 0 to rank 1, probed
/// first (ByteCount must exceed int.MaxValue) and checked at both ends and in between.
/// Args: [elements] to send fewer (the default is the 2.4 GB case). Needs np = 2.
/// </summary>
internal sealed class HugeMessageScenario : IScenario
{
    public string Name => "huge";

    public string Arguments => "[elements]";

    private static double Pattern(long i) => i * 0.25 + 1;

    public Task RunAsync(Communicator world, string[] args)
    {
        Check.Equal(2, world.Size, "the huge scenario needs exactly 2 ranks");
        int n = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 300_000_000;
        var data = GC.AllocateUninitializedArray<double>(n);
        if (world.Rank == 0)
        {
            for (int i = 0; i < n; i++) data[i] = Pattern(i);
            world.Send<double>(data, 1, 3);
        }
        else
        {
            Status probed = world.Probe(0, 3);
            Check.Equal((long)n * sizeof(double), probed.ByteCount, "probed ByteCount");
            Check.Equal(n, probed.GetCount<double>(), "probed GetCount<double>()");
            Status status = world.Recv<double>(data, 0, 3);
            Check.Equal((long)n * sizeof(double), status.ByteCount, "received ByteCount");
            Check.Equal(n, status.Count, "received Count");
            for (int i = 0; i < n; i += 1 + i / 1000)
                if (data[i] != Pattern(i)) Check.Fail($"element {i} is {data[i]}, expected {Pattern(i)}");
            Check.Equal(Pattern(n - 1), data[n - 1], "last element");
        }
        return Task.CompletedTask;
    }
}
