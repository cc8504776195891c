using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Partners (0-1, 2-3, ...; the odd rank out talks to itself) stream messages of pseudo-random
/// sizes (0 to 40,000 bytes: eager and large mixed, so ring records wrap at every offset) to each
/// other in both directions at once, in windows of ISends and IRecvs with one tag. Every message
/// must arrive intact and in sending order.
/// </summary>
internal sealed class StreamScenario : IScenario
{
    private const int MaxBytes = 40_000;
    private const int Tag = 8;

    public string Name => "stream";
    public string Arguments => "[messages=3000] [window=16]";

    public Task RunAsync(Communicator world, string[] args)
    {
        int count = ScenarioArgs.Int(args, 0, "messages", 3000);
        int window = ScenarioArgs.Int(args, 1, "window", 16);
        int partner = PeerPairing.Partner(world);
        int[] mine = Sizes(world.Rank, count), theirs = Sizes(partner, count);
        var inbox = new byte[window][];
        for (int w = 0; w < window; w++) inbox[w] = new byte[MaxBytes];

        for (int first = 0; first < count; first += window)
        {
            int n = Math.Min(window, count - first);
            var requests = new Request[2 * n];
            for (int k = 0; k < n; k++) requests[k] = world.IRecv<byte>(inbox[k], partner, Tag);
            for (int k = 0; k < n; k++)
                requests[n + k] = world.ISend(Patterns.Make(mine[first + k], Key(world.Rank, first + k)), partner, Tag);
            Request.WaitAll(requests);
            for (int k = 0; k < n; k++)
            {
                int seq = first + k;
                Status status = requests[k].Wait();
                Check.Equal((long)theirs[seq], status.ByteCount, $"message {seq} from rank {partner}: size (order)");
                Patterns.Verify(inbox[k].AsSpan(0, theirs[seq]), Key(partner, seq), $"message {seq} from rank {partner}");
            }
        }
        return Task.CompletedTask;
    }

    private static long Key(int sender, int seq) => sender * 1_000_003L + seq;

    /// <summary>Every rank can compute any rank's sizes; about 1 in 3 is above the 16 KiB eager limit.</summary>
    private static int[] Sizes(int rank, int count)
    {
        var random = new Random(1234 + rank);
        var sizes = new int[count];
        for (int i = 0; i < count; i++)
            sizes[i] = random.Next(4) switch { 0 => random.Next(64), 1 => random.Next(4096), 2 => random.Next(16_500), _ => random.Next(MaxBytes + 1) };
        return sizes;
    }
}
