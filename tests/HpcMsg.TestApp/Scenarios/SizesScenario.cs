using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Message sizes around every internal threshold (64-byte cells, 16 KiB eager limit, the 32720-byte
/// pipeline chunk, the 32 KiB single-copy threshold, the 48-byte record header, 1 MiB, 16 MiB), blocking and non-blocking: rank 0
/// sends, rank 1 verifies and echoes back, rank 0 verifies the echo. Other ranks only finalize. A
/// lone rank sends to itself: blocking for eager sizes only (a blocking large send to oneself cannot
/// complete before its receive is posted), non-blocking for every size. Finally every size is sent
/// at once with one tag (eager and large mixed) and must arrive in sending order (non-overtaking
/// across protocols), received with AnySource.
/// </summary>
internal sealed class SizesScenario : IScenario
{
    private const int Guard = 16;
    private const byte GuardByte = 0xCC;
    private const int SelfBlockingMax = 16 * 1024;
    private const int MixedTag = 5000;

    public static readonly int[] Sizes =
    [
        0, 1, 7, 63, 64, 65, 127, 4095, 4096, 4097, 16335, 16336, 16337, 16383, 16384, 16385,
        32719, 32720, 32721, 32767, 32768, 32769, 65535, 65536, 65537, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 16 << 20,
    ];

    public string Name => "sizes";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        var send = new byte[Sizes.Max()];
        var recv = new byte[Sizes.Max() + Guard];
        if (world.Size == 1)
        {
            for (int i = 0; i < Sizes.Length; i++)
            {
                if (Sizes[i] <= SelfBlockingMax) SelfBlocking(world, i, send, recv);
                SelfNonBlocking(world, i, send, recv);
            }
            MixedOrder(world, 0, 0);
            return Task.CompletedTask;
        }
        if (world.Rank > 1) return Task.CompletedTask;
        for (int i = 0; i < Sizes.Length; i++)
        {
            if (world.Rank == 0) { OriginBlocking(world, i, send, recv); OriginNonBlocking(world, i, send, recv); }
            else { EchoBlocking(world, i, recv); EchoNonBlocking(world, i, recv); }
        }
        MixedOrder(world, 0, 1);
        return Task.CompletedTask;
    }

    /// <summary>Every size in one go with one tag: small ones overtake nothing, large ones are not overtaken.</summary>
    private static void MixedOrder(Communicator world, int from, int to)
    {
        Request[] sends = [];
        if (world.Rank == from)
            sends = [.. Sizes.Select(n => world.ISend(Patterns.Make(n, n + 1), to, MixedTag))];
        if (world.Rank == to)
        {
            var buffer = new byte[Sizes.Max()];
            foreach (int n in Sizes)
            {
                Status status = world.Recv<byte>(buffer, Communicator.AnySource, MixedTag);
                Check.Equal((long)n, status.ByteCount, "mixed sizes in one go: the message's size (sending order)");
                Patterns.Verify(buffer.AsSpan(0, n), n + 1, $"mixed sizes in one go: {n} bytes");
            }
        }
        Request.WaitAll(sends);
    }

    private static Memory<byte> Prepare(byte[] recv, int n)
    {
        recv.AsSpan(0, n + Guard).Fill(GuardByte);
        return recv.AsMemory(0, n + Guard); // room to spare: the status must say n, and nothing past n may change
    }

    private static void Expect(Status status, byte[] recv, int n, int source, int tag, string what)
    {
        Check.Equal(source, status.Source, $"{what}: Status.Source");
        Check.Equal(tag, status.Tag, $"{what}: Status.Tag");
        Check.Equal((long)n, status.ByteCount, $"{what}: Status.ByteCount");
        Patterns.Verify(recv.AsSpan(0, n), n, what);
        Patterns.VerifyUntouched(recv.AsSpan(n, Guard), GuardByte, what);
    }

    private static void OriginBlocking(Communicator world, int i, byte[] send, byte[] recv)
    {
        int n = Sizes[i];
        Patterns.Fill(send.AsSpan(0, n), n);
        world.Send<byte>(send.AsSpan(0, n), 1, i);
        Status status = world.Recv(Prepare(recv, n).Span, 1, i);
        Expect(status, recv, n, 1, i, $"blocking echo of {n} bytes");
    }

    private static void EchoBlocking(Communicator world, int i, byte[] recv)
    {
        int n = Sizes[i];
        Status status = world.Recv(Prepare(recv, n).Span, 0, i);
        Expect(status, recv, n, 0, i, $"blocking message of {n} bytes");
        world.Send<byte>(recv.AsSpan(0, n), 0, i);
    }

    private static void OriginNonBlocking(Communicator world, int i, byte[] send, byte[] recv)
    {
        int n = Sizes[i];
        int tag = 1000 + i;
        Patterns.Fill(send.AsSpan(0, n), n);
        Request echo = world.IRecv(Prepare(recv, n), 1, tag); // posted before the send goes out
        Request sent = world.ISend<byte>(send.AsMemory(0, n), 1, tag);
        Request.WaitAll(sent, echo);
        Expect(echo.Wait(), recv, n, 1, tag, $"non-blocking echo of {n} bytes");
    }

    private static void EchoNonBlocking(Communicator world, int i, byte[] recv)
    {
        int n = Sizes[i];
        int tag = 1000 + i;
        Request incoming = world.IRecv(Prepare(recv, n), 0, tag);
        Expect(incoming.Wait(), recv, n, 0, tag, $"non-blocking message of {n} bytes");
        world.ISend<byte>(recv.AsMemory(0, n), 0, tag).Wait();
    }

    private static void SelfBlocking(Communicator world, int i, byte[] send, byte[] recv)
    {
        int n = Sizes[i];
        Patterns.Fill(send.AsSpan(0, n), n);
        world.Send<byte>(send.AsSpan(0, n), 0, i);
        send.AsSpan(0, n).Clear(); // an eager self-send must have copied the data already
        Status status = world.Recv(Prepare(recv, n).Span, 0, i);
        Expect(status, recv, n, 0, i, $"blocking self-message of {n} bytes");
    }

    private static void SelfNonBlocking(Communicator world, int i, byte[] send, byte[] recv)
    {
        int n = Sizes[i];
        int tag = 1000 + i;
        Patterns.Fill(send.AsSpan(0, n), n);
        // Send first, then receive: the message waits in the unexpected queue.
        Request sent = world.ISend<byte>(send.AsMemory(0, n), 0, tag);
        Request received = world.IRecv(Prepare(recv, n), 0, tag);
        Request.WaitAll(sent, received);
        Expect(received.Wait(), recv, n, 0, tag, $"non-blocking self-message of {n} bytes");
    }
}
