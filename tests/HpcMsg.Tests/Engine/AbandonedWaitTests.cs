using HpcMsg.Engine;
using static HpcMsg.Tests.Engine.InProcessJob;

namespace HpcMsg.Tests.Engine;

/// <summary>
/// A blocking receive or send whose wait throws must leave nothing in the engine that points into
/// the caller's buffer: once the call has returned (by the exception) the buffer is no longer pinned,
/// and a program that catches the exception carries on. Here the wait throws because the rank's
/// launcher is gone (JobAbortedException from the idle wait) while the engines stay alive and the
/// test thread drives them; the old buffers are on the pinned heap, so a write through a stale
/// request lands where the test sees it.
/// </summary>
public sealed unsafe class AbandonedWaitTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(Communicator.AnySource)]
    public void A_receive_whose_wait_threw_is_withdrawn_and_a_later_message_goes_to_a_fresh_receive(int source)
    {
        using InProcessJob job = Singleton(orphaned: true);
        ProgressEngine e = job.Engines[0];
        byte[] stale = Pinned(64);
        Assert.Throws<JobAbortedException>(() => e.Receive(Context, source, source < 0 ? -1 : 0, 7, Address(stale), stale.Length, 1));

        byte[] message = Pattern(32, 1);
        e.Send(Context, 0, 0, 7, Address(message), message.Length, 1);
        byte[] fresh = Pinned(64);
        Request r = PostRecv(e, source, 7, fresh);

        Assert.True(r.IsCompleted, "the message went to the receive that threw, not to the fresh one");
        Assert.Equal(32, r.Wait().ByteCount);
        Assert.Equal(message, fresh[..32]);
        Assert.All(stale, b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_large_send_to_self_whose_wait_threw_is_withdrawn_and_never_read_again()
    {
        using InProcessJob job = Singleton(orphaned: true);
        ProgressEngine e = job.Engines[0];
        byte[] data = Pattern(4 * e.Config.EagerLimit, 2);
        Assert.Throws<JobAbortedException>(() => e.Send(Context, 0, 0, 9, Address(data), data.Length, 1));
        data.AsSpan().Fill(0xEE); // the caller reuses its buffer after catching

        byte[] small = Pattern(16, 3);
        e.Send(Context, 0, 0, 9, Address(small), small.Length, 1);
        byte[] into = Pinned(data.Length);
        Request r = PostRecv(e, 0, 9, into);

        Assert.True(r.IsCompleted);
        Assert.Equal(16, r.Wait().ByteCount); // the failed send is gone; the next one is received
        Assert.Equal(small, into[..16]);
    }

    [Fact]
    public void A_receive_that_threw_in_the_middle_of_a_pipelined_message_drops_the_rest_of_it()
    {
        using InProcessJob job = Node(2, orphanedRank: 0);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        byte[] payload = Pattern(4 * a.Config.ChunkBytes + 100, 4);
        Request send = PostSend(b, 0, 5, payload); // request-to-send in the ring; b does not stream until asked

        byte[] stale = Pinned(payload.Length);
        // a matches the request-to-send, answers clear-to-send, then waits for chunks that b (not
        // driven) never sends: the wait turns idle and throws.
        Assert.Throws<JobAbortedException>(() => a.Receive(Context, 1, 1, 5, Address(stale), stale.Length, 1));

        job.DriveUntil(() => send.IsCompleted, "the sender to finish streaming");
        Assert.Null(Record.Exception(() => send.Wait()));
        Assert.All(stale, x => Assert.Equal(0, x));

        byte[] next = Pattern(100, 5);
        Request s2 = PostSend(b, 0, 5, next);
        byte[] fresh = Pinned(200);
        Request r = PostRecv(a, 1, 5, fresh);
        job.DriveUntil(() => r.IsCompleted && s2.IsCompleted, "the next message");
        Assert.Equal(100, r.Wait().ByteCount);
        Assert.Equal(next, fresh[..100]);
        Assert.All(stale, x => Assert.Equal(0, x));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_large_send_whose_wait_threw_after_its_request_to_send_delivers_the_bytes_it_was_given(bool crossMemory)
    {
        using InProcessJob job = Node(2, orphanedRank: 0, crossMemory);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        byte[] data = Pattern(4 * a.Config.ChunkBytes + 100, 6);
        byte[] original = data.ToArray();
        // The request-to-send goes out at once; b is not driven, so the wait turns idle and throws.
        Assert.Throws<JobAbortedException>(() => a.Send(Context, 0, 1, 6, Address(data), data.Length, 1));
        data.AsSpan().Fill(0xEE); // the caller reuses its buffer after catching

        byte[] into = Pinned(data.Length);
        Request r = PostRecv(b, 0, 6, into);
        job.DriveUntil(() => r.IsCompleted, "the announced message");
        Assert.Equal(data.Length, r.Wait().ByteCount);
        Assert.Equal(original, into);
    }

    [Fact]
    public void A_large_send_whose_request_to_send_was_still_queued_is_withdrawn()
    {
        using InProcessJob job = Node(2, orphanedRank: 0);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        int eager = a.Config.EagerLimit;
        // Fill the ring to b (not driven) so that what follows waits in a's outbound queue.
        var fillers = new List<(Request Send, byte[] Data)>();
        for (int i = 0; i < 2 * job.Segment.RingCapacity / eager; i++)
        {
            byte[] d = Pattern(eager, 10 + i);
            fillers.Add((PostSend(a, 1, 1, d), d));
        }
        Assert.Contains(fillers, f => !f.Send.IsCompleted);

        byte[] data = Pattern(4 * a.Config.ChunkBytes, 7);
        Assert.Throws<JobAbortedException>(() => a.Send(Context, 0, 1, 6, Address(data), data.Length, 1));
        data.AsSpan().Fill(0xEE);

        byte[] into = Pinned(data.Length);
        Request r = PostRecv(b, 0, 6, into);
        var received = new List<(Request Recv, byte[] Into)>();
        foreach (var _ in fillers)
        {
            byte[] buf = Pinned(eager);
            received.Add((PostRecv(b, 0, 1, buf), buf));
        }
        job.DriveUntil(() => received.All(x => x.Recv.IsCompleted) && fillers.All(f => f.Send.IsCompleted), "the queued eager messages");
        for (int i = 0; i < fillers.Count; i++) Assert.Equal(fillers[i].Data, received[i].Into);
        job.Drive(100);
        Assert.False(r.IsCompleted, "the withdrawn send was delivered");

        byte[] small = Pattern(16, 8);
        Request s = PostSend(a, 1, 6, small);
        job.DriveUntil(() => r.IsCompleted && s.IsCompleted, "the next message");
        Assert.Equal(16, r.Wait().ByteCount);
        Assert.Equal(small, into[..16]);
    }

    [Fact]
    public void A_large_send_abandoned_in_the_middle_of_its_stream_finishes_it_with_the_bytes_it_was_given()
    {
        using InProcessJob job = Node(2, orphanedRank: 0);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        byte[] data = Pattern(16 * a.Config.ChunkBytes, 9);
        byte[] original = data.ToArray();
        byte[] into = Pinned(data.Length);
        Request r = PostRecv(b, 0, 8, into);
        Request s = PostSend(a, 1, 8, data);
        b.ProgressFor(r); // takes the request-to-send, answers clear-to-send
        for (int i = 0; i < 10; i++) a.ProgressFor(s); // streams until the ring to b is full
        Assert.False(s.IsCompleted);
        // The wait of a blocking send (ProgressEngine.Send waits this way) throws with chunks still to go.
        Assert.Throws<JobAbortedException>(() => a.WaitOrAbandon(s.Operation!));
        data.AsSpan().Fill(0xEE);

        job.DriveUntil(() => r.IsCompleted, "the rest of the stream");
        Assert.Equal(data.Length, r.Wait().ByteCount);
        Assert.Equal(original, into);
    }

    [Fact]
    public void Over_TCP_a_receive_that_threw_is_withdrawn_or_drops_the_data_it_was_matched_to()
    {
        using InProcessJob job = OverTcp(2, orphanedRank: 0);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        // Not matched yet: withdrawn.
        byte[] stale = Pinned(64);
        Assert.Throws<JobAbortedException>(() => a.Receive(Context, 1, 1, 3, Address(stale), stale.Length, 1));
        byte[] eager = Pattern(48, 11);
        Request s1 = PostSend(b, 0, 3, eager);
        byte[] fresh = Pinned(64);
        Request r1 = PostRecv(a, 1, 3, fresh);
        job.DriveUntil(() => r1.IsCompleted && s1.IsCompleted, "the eager message");
        Assert.Equal(eager, fresh[..48]);

        // Matched to a large message whose data has not come: the data is read and dropped.
        byte[] payload = Pattern(4 * a.Config.TcpEagerLimit, 12);
        Request s2 = PostSend(b, 0, 5, payload); // request-to-send on the socket
        byte[] staleLarge = Pinned(payload.Length);
        Assert.Throws<JobAbortedException>(() => a.Receive(Context, 1, 1, 5, Address(staleLarge), staleLarge.Length, 1));
        job.DriveUntil(() => s2.IsCompleted, "the sender's data frame");
        byte[] next = Pattern(100, 13);
        Request s3 = PostSend(b, 0, 5, next);
        byte[] fresh2 = Pinned(200);
        Request r3 = PostRecv(a, 1, 5, fresh2);
        job.DriveUntil(() => r3.IsCompleted && s3.IsCompleted, "the next message");
        Assert.Equal(100, r3.Wait().ByteCount);
        Assert.Equal(next, fresh2[..100]);
        Assert.All(stale, x => Assert.Equal(0, x));
        Assert.All(staleLarge, x => Assert.Equal(0, x));
    }

    [Fact]
    public void Over_TCP_a_large_send_that_threw_delivers_the_bytes_it_was_given()
    {
        using InProcessJob job = OverTcp(2, orphanedRank: 0);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        // Announced, then abandoned before the receiver answered.
        byte[] data = Pattern(4 * a.Config.TcpEagerLimit, 14);
        byte[] original = data.ToArray();
        Assert.Throws<JobAbortedException>(() => a.Send(Context, 0, 1, 6, Address(data), data.Length, 1));
        data.AsSpan().Fill(0xEE);
        byte[] into = Pinned(data.Length);
        Request r = PostRecv(b, 0, 6, into);
        job.DriveUntil(() => r.IsCompleted, "the announced message");
        Assert.Equal(original, into);

        // Abandoned with its data frame half written to a socket that the receiver does not read.
        byte[] big = Pattern(64 << 20, 15);
        byte[] bigOriginal = big.ToArray();
        byte[] bigInto = Pinned(big.Length);
        Request r2 = PostRecv(b, 0, 7, bigInto);
        Request s2 = PostSend(a, 1, 7, big);
        job.DriveUntil(() => r2.Operation is { State.ReceiveInProgress: true }, "the receiver to take the request-to-send");
        for (int i = 0; i < 10; i++) a.ProgressFor(s2); // clear-to-send in; the frame goes out until the socket is full
        Assert.False(s2.IsCompleted);
        Assert.Throws<JobAbortedException>(() => a.WaitOrAbandon(s2.Operation!));
        big.AsSpan().Fill(0xEE);
        job.DriveUntil(() => r2.IsCompleted, "the rest of the data frame");
        Assert.Equal(big.Length, r2.Wait().ByteCount);
        Assert.True(bigOriginal.AsSpan().SequenceEqual(bigInto), "the data frame carried reused bytes");
    }
}
