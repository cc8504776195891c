using HpcMsg.Engine;
using static HpcMsg.Tests.Engine.InProcessJob;

namespace HpcMsg.Tests.Engine;

/// <summary>
/// The engine's protocols over an in-process <see cref="LoopbackTransport"/> (issue 18 item 3): matching,
/// ordering, rendezvous, truncation and a peer's failure, with the ranks as engines of this process and
/// nothing below the transport seam but queues of records. Every message here crosses
/// <c>ITransport</c> and comes back through the engine's record sink.
/// </summary>
public sealed class LoopbackTransportTests
{
    private const int Large = 200_000; // above the network eager limit (64 KiB): rendezvous, 200 chunks

    [Fact]
    public void Messages_between_a_pair_match_in_order_posted_before_or_after_they_arrive()
    {
        using InProcessJob job = OverLoopback(2);
        var early = new Request[3];
        var earlyInto = new byte[3][];
        for (int i = 0; i < 3; i++) early[i] = PostRecv(job.Engines[1], 0, 5, earlyInto[i] = Pinned(8));

        var sent = new List<Request>();
        for (int i = 0; i < 8; i++)
            sent.Add(PostSend(job.Engines[0], 1, i % 2 == 0 ? 5 : 6, Pattern(8, i)));
        job.DriveUntil(() => early.All(r => r.IsCompleted), "the posted receives");

        // Tag 5 got messages 0, 2, 4 in that order; tag 6 waits unexpected: 1, 3, 5, 7 in order.
        for (int i = 0; i < 3; i++) Assert.Equal(Pattern(8, 2 * i), earlyInto[i]);
        for (int i = 0; i < 4; i++)
        {
            byte[] into = Pinned(8);
            Request r = PostRecv(job.Engines[1], Communicator.AnySource, 6, into);
            job.DriveUntil(() => r.IsCompleted, "an unexpected message");
            Assert.Equal(0, r.Wait().Source);
            Assert.Equal(Pattern(8, 2 * i + 1), into);
        }
        byte[] last = Pinned(8);
        Request any = PostRecv(job.Engines[1], 0, Communicator.AnyTag, last);
        job.DriveUntil(() => any.IsCompleted, "the last message");
        Assert.Equal(5, any.Wait().Tag);
        Assert.Equal(Pattern(8, 6), last);
        job.DriveUntil(() => sent.All(s => s.IsCompleted), "the sends");
        Assert.Equal(0, job.Engines[1].UnexpectedCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_large_message_takes_the_rendezvous_and_arrives_whole_and_in_order_with_small_ones(bool postedFirst)
    {
        var fabric = new LoopbackFabric(2);
        using InProcessJob job = OverLoopback(2, fabric);
        byte[] big = Pattern(Large, 7);
        byte[] bigInto = Pinned(Large), smallInto = Pinned(16), afterInto = Pinned(16);
        Request? first = postedFirst ? PostRecv(job.Engines[1], 0, 3, smallInto) : null;
        Request? second = postedFirst ? PostRecv(job.Engines[1], 0, 3, bigInto) : null;

        Request s1 = PostSend(job.Engines[0], 1, 3, Pattern(16, 1));
        Request s2 = PostSend(job.Engines[0], 1, 3, big);
        Request s3 = PostSend(job.Engines[0], 1, 3, Pattern(16, 2));
        job.Drive(10);
        Assert.False(s2.IsCompleted && !postedFirst, "a large send completed before its receiver matched it");

        first ??= PostRecv(job.Engines[1], 0, 3, smallInto);
        second ??= PostRecv(job.Engines[1], 0, 3, bigInto);
        Request third = PostRecv(job.Engines[1], 0, 3, afterInto);
        job.DriveUntil(() => third.IsCompleted && s2.IsCompleted, "the large message");

        Assert.Equal(Pattern(16, 1), smallInto);
        Assert.Equal(Large, second.Wait().ByteCount);
        Assert.Equal(big, bigInto);
        Assert.Equal(Pattern(16, 2), afterInto);
        foreach (Request s in new[] { s1, s2, s3 }) s.Wait();
        // Request-to-send and 200 chunks of 1,000 bytes went over the seam, not one copy.
        Assert.True(fabric.Transports[0].RecordsSent >= 2 + Large / fabric.ChunkBytes, $"{fabric.Transports[0].RecordsSent} records");
    }

    [Theory]
    [InlineData(64)]
    [InlineData(Large)]
    public void A_message_larger_than_its_receive_fails_the_receive_and_completes_the_send(int bytes)
    {
        using InProcessJob job = OverLoopback(2);
        Request send = PostSend(job.Engines[0], 1, 4, Pattern(bytes, 3));
        byte[] small = Pinned(32);
        Request recv = PostRecv(job.Engines[1], 0, 4, small);
        job.DriveUntil(() => recv.IsCompleted && send.IsCompleted, "the truncated message");

        var e = Assert.Throws<MessageTruncatedException>(() => recv.Wait());
        Assert.Contains(bytes.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, send.Wait().ByteCount);
        Assert.All(small, b => Assert.Equal(0, b)); // nothing of it was written

        // The pair goes on: the next message arrives.
        byte[] into = Pinned(8);
        Request next = PostRecv(job.Engines[1], 0, 4, into);
        PostSend(job.Engines[0], 1, 4, Pattern(8, 4));
        job.DriveUntil(() => next.IsCompleted, "the message after the truncated one");
        Assert.Equal(Pattern(8, 4), into);
    }

    [Fact]
    public void A_dead_peer_fails_what_involves_it_and_the_others_go_on()
    {
        var fabric = new LoopbackFabric(3);
        using InProcessJob job = OverLoopback(3, fabric);
        ProgressEngine me = job.Engines[0];
        Request fromTwo = PostRecv(me, 2, 1, Pinned(8));
        Request largeToTwo = PostSend(me, 2, 1, Pattern(Large, 5)); // announced, never answered
        job.Drive(5);

        fabric.Kill(2);
        job.DriveUntil(() => fromTwo.IsCompleted && largeToTwo.IsCompleted, "the failures");
        Assert.Equal(2, Assert.Throws<RankFailedException>(() => fromTwo.Wait()).FailedRank);
        Assert.Equal(2, Assert.Throws<RankFailedException>(() => largeToTwo.Wait()).FailedRank);

        // Posted after the failure: fails at the next pass, as does a send.
        Request later = PostRecv(me, 2, 1, Pinned(8));
        Request sendLater = PostSend(me, 2, 1, Pattern(8, 6));
        job.DriveUntil(() => later.IsCompleted && sendLater.IsCompleted, "the later operations");
        Assert.Equal(2, Assert.Throws<RankFailedException>(() => later.Wait()).FailedRank);
        Assert.Equal(2, Assert.Throws<RankFailedException>(() => sendLater.Wait()).FailedRank);
        Assert.True(me.JobEndingKnown);

        byte[] into = Pinned(8);
        Request fromOne = PostRecv(me, 1, 1, into);
        PostSend(job.Engines[1], 0, 1, Pattern(8, 8));
        job.DriveUntil(() => fromOne.IsCompleted, "rank 1's message");
        Assert.Equal(Pattern(8, 8), into);
    }

    [Fact]
    public async Task A_blocking_receive_waits_through_the_seam_while_another_thread_drives_the_sender()
    {
        using InProcessJob job = OverLoopback(2);
        byte[] data = Pattern(Large, 9);
        using var stop = new CancellationTokenSource();
        var sender = Task.Run(() =>
        {
            Request s = PostSend(job.Engines[0], 1, 2, data);
            while (!s.IsCompleted && !stop.IsCancellationRequested) job.Engines[0].ProgressFor(s);
            return s;
        });
        byte[] into = Pinned(Large);
        Assert.Equal(Large, ReceiveBlocking(job.Engines[1], into).ByteCount);
        bool finished = await Task.WhenAny(sender, Task.Delay(TimeSpan.FromSeconds(20))) == sender;
        stop.Cancel();
        Assert.True(finished, "the sender did not finish");
        Assert.Equal(data, into);
    }

    private static unsafe Completion ReceiveBlocking(ProgressEngine e, byte[] into) =>
        e.Receive(Context, 0, 0, 2, Address(into), into.Length, 1);
}
