using System.Buffers.Binary;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Many small messages as fast as blocking Send goes: every rank but 0 sends <c>count</c> messages of
/// 8..64 bytes (sequence number first) to rank 0, twice. Rank 0 receives the first round by specific
/// source (round robin) and the second with AnySource, checking that each sender's messages arrive
/// in sending order (non-overtaking) and intact. A lone rank sends to itself and then receives.
/// With "flood", the senders of round one take turns (rank 1 sends all its messages, then rank 2,
/// ...) while rank 0 waits in a barrier, so that the round-robin by-source receives find every
/// message already queued as unexpected, the senders' blocks one after another: each by-source
/// receive must still be cheap. Rank 0 prints how long each round took.
/// </summary>
internal sealed class BurstScenario : IScenario
{
    private const int MaxBytes = 64;
    private const int BySourceTag = 1, AnySourceTag = 2, GoTag = 3, TurnTag = 4;

    public string Name => "burst";
    public string Arguments => "[count=100000] [flood]";

    public Task RunAsync(Communicator world, string[] args)
    {
        int count = ScenarioArgs.Int(args, 0, "count", 100_000);
        bool flood = args.Length > 1 && args[1] == "flood";
        if (args.Length > 1 && !flood) Check.Fail($"unknown burst mode '{args[1]}' (expected 'flood')");
        if (world.Size == 1)
        {
            SendAll(world, count, BySourceTag);
            ReceiveBySource(world, count);
            SendAll(world, count, AnySourceTag);
            ReceiveAnySource(world, count);
        }
        else if (world.Rank == 0)
        {
            if (flood) world.Barrier(); // meanwhile every message of round one arrives, unexpected
            var clock = System.Diagnostics.Stopwatch.StartNew();
            ReceiveBySource(world, count);
            double bySource = clock.Elapsed.TotalSeconds;
            // Release round two only now, so that it cannot interleave with round one.
            for (int s = 1; s < world.Size; s++) world.Send(0, s, GoTag);
            clock.Restart();
            ReceiveAnySource(world, count);
            Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"burst: {world.Size - 1} x {count} messages by source in {bySource:F2} s, any source in {clock.Elapsed.TotalSeconds:F2} s"));
        }
        else if (flood)
        {
            if (world.Rank > 1) world.Recv<int>(world.Rank - 1, TurnTag);
            SendAll(world, count, BySourceTag);
            if (world.Rank + 1 < world.Size) world.Send(0, world.Rank + 1, TurnTag);
            world.Barrier();
            world.Recv<int>(0, GoTag);
            SendAll(world, count, AnySourceTag);
        }
        else
        {
            SendAll(world, count, BySourceTag);
            world.Recv<int>(0, GoTag);
            SendAll(world, count, AnySourceTag);
        }
        return Task.CompletedTask;
    }

    private static int LengthOf(long seq, int sender) => 8 + (int)((seq * 7 + sender) % (MaxBytes - 7));

    private static byte ByteOf(long seq, int sender, int index) => (byte)(seq * 13 + sender * 5 + index);

    private static void SendAll(Communicator world, int count, int tag)
    {
        Span<byte> message = stackalloc byte[MaxBytes];
        int me = world.Rank;
        for (long seq = 0; seq < count; seq++)
        {
            int length = LengthOf(seq, me);
            BinaryPrimitives.WriteInt64LittleEndian(message, seq);
            for (int k = 8; k < length; k++) message[k] = ByteOf(seq, me, k);
            world.Send<byte>(message[..length], 0, tag);
        }
    }

    private static int[] Senders(Communicator world) =>
        world.Size == 1 ? [0] : [.. Enumerable.Range(1, world.Size - 1)];

    private static void ReceiveBySource(Communicator world, int count)
    {
        Span<byte> buffer = stackalloc byte[MaxBytes];
        int[] senders = Senders(world);
        for (long seq = 0; seq < count; seq++)
        {
            foreach (int s in senders)
            {
                Status status = world.Recv(buffer, s, BySourceTag);
                Verify(status, buffer, s, seq, "by source");
            }
        }
    }

    private static void ReceiveAnySource(Communicator world, int count)
    {
        Span<byte> buffer = stackalloc byte[MaxBytes];
        int[] senders = Senders(world);
        var next = new long[world.Size];
        long total = (long)count * senders.Length;
        for (long m = 0; m < total; m++)
        {
            Status status = world.Recv(buffer, Communicator.AnySource, AnySourceTag);
            int s = status.Source;
            Check.True(senders.Contains(s), $"AnySource: message from unexpected rank {s}");
            Verify(status, buffer, s, next[s]++, "AnySource");
        }
        foreach (int s in senders) Check.Equal((long)count, next[s], $"AnySource: messages from rank {s}");
    }

    private static void Verify(Status status, ReadOnlySpan<byte> buffer, int sender, long seq, string round)
    {
        long got = BinaryPrimitives.ReadInt64LittleEndian(buffer);
        if (got != seq) Check.Fail($"{round}: from rank {sender} expected sequence {seq}, got {got} (order broken)");
        int length = LengthOf(seq, sender);
        if (status.ByteCount != length || status.Source != sender)
            Check.Fail($"{round}: message {seq} from rank {sender}: status {status}, expected {length} bytes");
        for (int k = 8; k < length; k++)
        {
            if (buffer[k] != ByteOf(seq, sender, k)) Check.Fail($"{round}: message {seq} from rank {sender}: byte {k} corrupt");
        }
    }
}
