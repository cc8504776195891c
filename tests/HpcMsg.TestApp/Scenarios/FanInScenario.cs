using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Fan-in with wildcards. Round one: every rank but 0 sends K messages tagged with its rank; rank 0
/// receives them all with AnySource/AnyTag and checks Status.Source/Tag/Count, the count per source
/// and each source's order. Round two: rank 0 finds each message with Probe (even) or IProbe
/// (odd), checks that probing does not consume, then receives exactly that message by
/// Status.Source/Tag into a buffer sized by Status.GetCount. A lone rank sends to itself first.
/// </summary>
internal sealed class FanInScenario : IScenario
{
    private const int GoTag = 1_000_000;
    private const int ProbeTagBase = 500;

    public string Name => "fanin";
    public string Arguments => "[K=1000]";

    public Task RunAsync(Communicator world, string[] args)
    {
        int k = ScenarioArgs.Int(args, 0, "K", 1000);
        int probed = Math.Min(k, 300);
        int[] senders = world.Size == 1 ? [0] : [.. Enumerable.Range(1, world.Size - 1)];
        if (senders.Contains(world.Rank)) SendRound(world, k, RoundOneMessage, r => r);
        if (world.Rank == 0)
        {
            ReceiveWildcards(world, senders, k);
            foreach (int s in senders.Where(s => s != 0)) world.Send(1, s, GoTag);
        }
        if (senders.Contains(world.Rank))
        {
            if (world.Rank != 0) world.Recv<int>(0, GoTag);
            SendRound(world, probed, RoundTwoMessage, r => ProbeTagBase + r);
        }
        if (world.Rank == 0) ReceiveProbed(world, senders, probed);
        return Task.CompletedTask;
    }

    private static int[] RoundOneMessage(int sender, int seq) => [sender, seq, .. Enumerable.Repeat(seq ^ sender, seq % 5)];

    private static int[] RoundTwoMessage(int sender, int seq) => [sender, seq, .. Enumerable.Range(0, (seq * 3 + sender) % 40)];

    private static void SendRound(Communicator world, int count, Func<int, int, int[]> message, Func<int, int> tagOf)
    {
        for (int seq = 0; seq < count; seq++) world.Send<int>(message(world.Rank, seq), 0, tagOf(world.Rank));
    }

    private static void ReceiveWildcards(Communicator world, int[] senders, int k)
    {
        var next = new int[world.Size];
        var buffer = new int[16];
        for (long m = 0; m < (long)k * senders.Length; m++)
        {
            Status status = world.Recv<int>(buffer, Communicator.AnySource, Communicator.AnyTag);
            int s = status.Source;
            Check.True(senders.Contains(s), $"wildcard receive: message from unexpected rank {s}");
            Check.Equal(s, status.Tag, $"wildcard receive from rank {s}: Status.Tag");
            int seq = next[s]++;
            int[] expected = RoundOneMessage(s, seq);
            Check.Equal(expected.Length, status.Count, $"wildcard receive: message {seq} from rank {s}: Status.Count");
            Check.SequenceEqual<int>(expected, buffer.AsSpan(0, status.Count), $"wildcard receive: message {seq} from rank {s} (order or content)");
        }
        foreach (int s in senders) Check.Equal(k, next[s], $"wildcard receive: messages from rank {s}");
    }

    private static void ReceiveProbed(Communicator world, int[] senders, int count)
    {
        var next = new int[world.Size];
        for (long m = 0; m < (long)count * senders.Length; m++)
        {
            Status status = m % 2 == 0 ? world.Probe(Communicator.AnySource, Communicator.AnyTag) : PollIProbe(world);
            int s = status.Source;
            Check.True(senders.Contains(s), $"probe: message from unexpected rank {s}");
            Check.Equal(ProbeTagBase + s, status.Tag, $"probe: Status.Tag of a message from rank {s}");

            Status again = world.Probe(s, status.Tag);
            Check.Equal(status.ByteCount, again.ByteCount, "probing again by source and tag (a probe must not consume)");
            Check.True(world.IProbe(s, Communicator.AnyTag, out Status third), "IProbe by source after Probe");
            Check.Equal(status.ByteCount, third.ByteCount, "IProbe by source after Probe: ByteCount");

            var buffer = new int[status.GetCount<int>()];
            Status received = world.Recv<int>(buffer, s, status.Tag);
            Check.Equal(status.ByteCount, received.ByteCount, "Recv after Probe: ByteCount");
            Check.Equal(s, received.Source, "Recv after Probe: Status.Source");
            int seq = next[s]++;
            Check.SequenceEqual<int>(RoundTwoMessage(s, seq), buffer, $"probed message {seq} from rank {s} (order or content)");
        }
        foreach (int s in senders) Check.Equal(count, next[s], $"probed messages from rank {s}");
        Check.True(!world.IProbe(Communicator.AnySource, Communicator.AnyTag, out _), "IProbe after everything was received");
    }

    private static Status PollIProbe(Communicator world)
    {
        var spin = new SpinWait();
        Status status;
        while (!world.IProbe(Communicator.AnySource, Communicator.AnyTag, out status)) spin.SpinOnce();
        return status;
    }
}
