using HpcMsg.Transports.Tcp;

namespace HpcMsg.Tests.Engine;

/// <summary>
/// TCP connections open on first use (issue 17, item 6), with engines of one job over loopback in
/// this process: a receive opens nothing (its sender dials), two ranks that send to each other at
/// the same moment end with one connection and every message in order (eager and large, queued
/// while the connection opened), and a send to a rank that is gone fails naming it.
/// </summary>
public sealed class LazyConnectionTests
{
    [Fact]
    public void A_receive_opens_nothing_its_sender_dials()
    {
        using InProcessJob job = InProcessJob.OverTcp(3);
        byte[] buffer = InProcessJob.Pinned(8);
        Request recv = InProcessJob.PostRecv(job.Engines[0], 2, 4, buffer);
        job.Drive(200);
        Assert.False(recv.IsCompleted);
        Assert.All(job.Engines, e => Assert.Empty(e.TcpConnectedPeers().Peers));

        byte[] data = InProcessJob.Pattern(8, 5);
        Request send = InProcessJob.PostSend(job.Engines[2], 0, 4, data);
        job.DriveUntil(() => recv.IsCompleted && send.IsCompleted, "the message from rank 2");
        Assert.Null(recv.Error);
        Assert.Equal(InProcessJob.Pattern(8, 5), buffer);
        Assert.Equal([2], job.Engines[0].TcpConnectedPeers().Peers);
        Assert.Equal([0], job.Engines[2].TcpConnectedPeers().Peers);
        Assert.Empty(job.Engines[1].TcpConnectedPeers().Peers);
        GC.KeepAlive(data);
    }

    [Fact]
    public void Crossing_dials_end_with_one_connection_and_every_message_in_order()
    {
        const int Messages = 40;
        int crossed = 0;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            using InProcessJob job = InProcessJob.OverTcp(2);
            var receives = new List<(Request Request, byte[] Buffer, int Expected)>();
            var sends = new List<Request>();
            var held = new List<byte[]>();
            for (int r = 0; r < 2; r++)
            {
                for (int k = 0; k < Messages; k++)
                {
                    int bytes = k % 4 == 3 ? 200_000 : 16; // every fourth above the TCP eager limit: request-to-send
                    byte[] buffer = InProcessJob.Pinned(bytes);
                    receives.Add((InProcessJob.PostRecv(job.Engines[r], 1 - r, 7, buffer), buffer, (1 - r) * 1000 + k));
                }
            }
            // Both ranks' first sends before either engine runs a pass: both dial.
            for (int k = 0; k < Messages; k++)
            {
                for (int r = 0; r < 2; r++)
                {
                    int bytes = k % 4 == 3 ? 200_000 : 16;
                    byte[] data = InProcessJob.Pattern(bytes, r * 1000 + k);
                    held.Add(data); // the request holds only its address: keep the array alive
                    sends.Add(InProcessJob.PostSend(job.Engines[r], 1 - r, 7, data));
                }
            }
            job.DriveUntil(() => sends.All(s => s.IsCompleted) && receives.All(x => x.Request.IsCompleted), "the crossing exchange");
            foreach (var (request, buffer, expected) in receives)
            {
                Assert.Null(request.Error);
                Assert.True(InProcessJob.Pattern(buffer.Length, expected).AsSpan().SequenceEqual(buffer), $"message {expected} arrived wrong (out of order?)");
            }
            GC.KeepAlive(held);
            long settle = Environment.TickCount64 + 10_000;
            while (job.Engines.Any(e => e.TcpConnectedPeers().Opening) && Environment.TickCount64 < settle) job.Drive(1);
            Assert.Equal([1], job.Engines[0].TcpConnectedPeers().Peers);
            Assert.Equal([0], job.Engines[1].TcpConnectedPeers().Peers);
            Assert.False(job.Engines.Any(e => e.TcpConnectedPeers().Opening), "a losing dial was never closed");
            // Both dialed: one of the two dials was declined, the other is the pair's connection (at
            // most one; none when one handshake finished before the other rank's first send).
            int declined = job.Engines.Sum(e => e.Transports.OfType<TcpTransport>().Single().DialsDeclined);
            Assert.InRange(declined, 0, 1);
            crossed += declined;
        }
        Assert.True(crossed > 0, "the two ranks never dialed each other at the same moment");
    }

    [Fact]
    public void A_send_to_a_rank_that_is_gone_fails_naming_it()
    {
        using InProcessJob job = InProcessJob.OverTcp(2);
        job.Engines[1].Dispose(); // its listener closes: the dial is refused
        byte[] small = InProcessJob.Pattern(16, 1), big = InProcessJob.Pattern(200_000, 2);
        Request send = InProcessJob.PostSend(job.Engines[0], 1, 3, small);
        Request large = InProcessJob.PostSend(job.Engines[0], 1, 3, big);
        long deadline = Environment.TickCount64 + 20_000;
        while (!(send.IsCompleted && large.IsCompleted) && Environment.TickCount64 < deadline) job.Engines[0].ProgressFor(send);
        Assert.True(send.IsCompleted && large.IsCompleted, "the sends to a rank that is gone did not fail");
        Assert.Equal(1, Assert.IsType<RankFailedException>(send.Error?.SourceException).FailedRank);
        Assert.Equal(1, Assert.IsType<RankFailedException>(large.Error?.SourceException).FailedRank);
        Assert.Contains("cannot connect to rank 1", send.Error!.SourceException.Message);
        GC.KeepAlive(small);
        GC.KeepAlive(big);
    }
}
