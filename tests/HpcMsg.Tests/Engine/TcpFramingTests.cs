using HpcMsg.Engine;
using HpcMsg.Transports.Tcp;

namespace HpcMsg.Tests.Engine;

/// <summary>
/// A TCP frame is written with one sendmsg of header and payload and read through the connection's
/// 8 KiB buffer (TcpConnection.ReadBufferBytes): a read may hold several frames, or a frame's header
/// and part of its payload, whose rest is read through the buffer again or straight into the receive.
/// Messages of sizes around those edges, both ways at once and back to back, arrive whole and in
/// order: with their receives posted first (payload copied from the buffer into the receive), posted
/// after the messages arrived (unexpected: copied into a pooled array, and large ones announced and
/// then read straight into the receive), and into receives too small (the payload is read and dropped).
/// </summary>
public sealed class TcpFramingTests
{
    private const int Tag = 5;
    private const int Buffer = TcpConnection.ReadBufferBytes;

    /// <summary>Around the frame header (48 bytes), half the buffer (a payload's rest through the buffer
    /// or straight into the receive), the buffer, the eager limit (64 KiB) and beyond it.</summary>
    private static readonly int[] Sizes =
        [0, 1, 7, 48, 100, Buffer / 2 - 48, Buffer / 2, Buffer / 2 + 1, Buffer - 48, Buffer, Buffer + 1, 20_000, 65_536, 65_537, 300_000, 3, 0, 9_000];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Messages_around_the_read_buffers_edges_arrive_whole_and_in_order(bool postedFirst)
    {
        using InProcessJob job = InProcessJob.OverTcp(2);
        var receives = new List<(Request Request, byte[] Buffer, byte[] Expected)>();
        var sends = new List<Request>();
        var held = new List<byte[]>();
        if (postedFirst) PostReceives(job, receives);
        for (int i = 0; i < Sizes.Length; i++)
        {
            for (int from = 0; from < 2; from++)
            {
                byte[] data = InProcessJob.Pattern(Sizes[i], Seed(from, i));
                held.Add(data);
                sends.Add(InProcessJob.PostSend(job.Engines[from], 1 - from, Tag, data));
            }
        }
        if (!postedFirst)
        {
            // The eager ones arrive unexpected (the large ones are announced and wait for their receive).
            job.DriveUntil(() => sends.All(s => s.IsCompleted || s.Operation is { } op && op.State.BufferBytes > job.Engines[0].Config.TcpEagerLimit), "the eager sends");
            PostReceives(job, receives);
        }
        job.DriveUntil(() => sends.All(s => s.IsCompleted) && receives.All(r => r.Request.IsCompleted), "the exchange");
        Assert.All(sends, s => Assert.Null(s.Error));
        foreach ((Request request, byte[] buffer, byte[] expected) in receives)
        {
            Assert.Null(request.Error);
            Assert.Equal(expected.Length, request.Result().ByteCount);
            Assert.True(expected.AsSpan().SequenceEqual(buffer.AsSpan(0, expected.Length)), $"a message of {expected.Length} bytes arrived altered");
        }
        GC.KeepAlive(held);
    }

    [Fact]
    public void Payloads_into_receives_too_small_are_dropped_and_the_next_frames_still_arrive()
    {
        using InProcessJob job = InProcessJob.OverTcp(2);
        int[] sizes = [Buffer / 2 + 100, 40, Buffer * 3, 65_536, 5];
        var truncated = new List<Request>();
        var whole = new List<(Request Request, byte[] Buffer, byte[] Expected)>();
        var held = new List<byte[]>();
        var sends = new List<Request>();
        foreach (int size in sizes)
        {
            // Each message twice: first into a receive 1 byte short (dropped), then into one that fits.
            byte[] small = InProcessJob.Pinned(size - 1);
            truncated.Add(InProcessJob.PostRecv(job.Engines[1], 0, Tag, small));
            byte[] fits = InProcessJob.Pinned(size);
            byte[] data = InProcessJob.Pattern(size, size);
            whole.Add((InProcessJob.PostRecv(job.Engines[1], 0, Tag, fits), fits, data));
            held.AddRange([small, fits, data]);
            sends.Add(InProcessJob.PostSend(job.Engines[0], 1, Tag, data));
            sends.Add(InProcessJob.PostSend(job.Engines[0], 1, Tag, data));
        }
        job.DriveUntil(() => truncated.All(r => r.IsCompleted) && whole.All(r => r.Request.IsCompleted), "the receives");
        Assert.All(truncated, r => Assert.IsType<MessageTruncatedException>(r.Error?.SourceException));
        foreach ((Request request, byte[] buffer, byte[] expected) in whole)
        {
            Assert.Null(request.Error);
            Assert.True(expected.AsSpan().SequenceEqual(buffer), $"a message of {expected.Length} bytes after a dropped one arrived altered");
        }
        GC.KeepAlive(held);
    }

    private static void PostReceives(InProcessJob job, List<(Request Request, byte[] Buffer, byte[] Expected)> receives)
    {
        for (int i = 0; i < Sizes.Length; i++)
        {
            for (int to = 0; to < 2; to++)
            {
                int from = 1 - to;
                byte[] buffer = InProcessJob.Pinned(Sizes[i] + 16, fill: 0xEE);
                byte[] expected = InProcessJob.Pattern(Sizes[i], Seed(from, i));
                receives.Add((InProcessJob.PostRecv(job.Engines[to], from, Tag, buffer), buffer, expected));
            }
        }
    }

    private static int Seed(int from, int index) => from * 101 + index * 13;
}
