using HpcMsg.Engine;
using static HpcMsg.Tests.Engine.InProcessJob;

namespace HpcMsg.Tests.Engine;

/// <summary>
/// The public <see cref="Request"/> is a handle on a pooled engine <see cref="Operation"/>: once its
/// caller has seen the completion the handle copies out its status and error and gives the operation
/// back, and the engine hands it to the next send or receive. These check that a reused operation
/// never changes what an earlier handle reports, that a handle never waited for keeps its operation
/// (and its result), and that every way of observing a completion (Wait, Test, WaitAll, WaitAny,
/// TestAll, await) releases it once, on ranks of one node in this process.
/// </summary>
public sealed class OperationPoolTests
{
    [Fact]
    public void A_waited_request_s_operation_is_reused_and_the_old_status_and_error_stay()
    {
        using InProcessJob job = Node(2);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];

        Request first = PostRecv(a, 1, 3, Pinned(8));
        Operation op = first.Operation!;
        PostSend(b, 0, 3, Pattern(6, 1));
        Status s1 = first.Wait();
        Assert.Null(first.Operation); // released

        Request truncated = PostRecv(a, 1, 4, Pinned(2));
        Assert.Same(op, truncated.Operation); // the pool gave it out again
        PostSend(b, 0, 4, Pattern(5, 2));
        Assert.Throws<MessageTruncatedException>(() => truncated.Wait());

        Request third = PostRecv(a, 1, 5, Pinned(32));
        Assert.Same(op, third.Operation);
        Assert.False(third.IsCompleted);
        Assert.True(first.IsCompleted, "a reused operation made an earlier request look unfinished");
        Assert.True(truncated.IsCompleted);
        PostSend(b, 0, 5, Pattern(32, 3));
        Status s3 = third.Wait();

        Assert.Equal((1, 3, 6L), (s1.Source, s1.Tag, s1.ByteCount));
        Assert.Equal((1, 5, 32L), (s3.Source, s3.Tag, s3.ByteCount));
        Status again = first.Wait(); // read again after two reuses: unchanged
        Assert.Equal((1, 3, 6L), (again.Source, again.Tag, again.ByteCount));
        Assert.True(first.Test(out Status tested));
        Assert.Equal(6L, tested.ByteCount);
        var e = Assert.Throws<MessageTruncatedException>(() => truncated.Wait()); // the error stays too
        Assert.Equal(4, e.Tag);
    }

    [Fact]
    public void A_request_never_waited_keeps_its_operation_and_its_result()
    {
        using InProcessJob job = Node(2);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        byte[] into = Pinned(8);
        Request unobserved = PostRecv(a, 1, 6, into);
        PostSend(b, 0, 6, Pattern(8, 4));
        job.DriveUntil(() => unobserved.IsCompleted, "the receive");
        Operation held = unobserved.Operation!;

        // Completed but not observed through Wait/Test: its operation is not in the pool.
        for (int i = 0; i < 4; i++)
        {
            Request r = PostRecv(a, 1, 7, Pinned(8));
            Assert.NotSame(held, r.Operation);
            PostSend(b, 0, 7, Pattern(8, 5 + i));
            r.Wait();
        }
        Status s = unobserved.Wait();
        Assert.Equal((1, 6, 8L), (s.Source, s.Tag, s.ByteCount));
        Assert.Equal(Pattern(8, 4), into);
    }

    [Fact]
    public void WaitAny_and_TestAll_release_what_they_observed_and_only_that()
    {
        using InProcessJob job = Node(2);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        Request[] rs = [PostRecv(a, 1, 10, Pinned(8)), PostRecv(a, 1, 11, Pinned(8)), PostRecv(a, 1, 12, Pinned(8))];
        Operation middle = rs[1].Operation!;
        Assert.False(Request.TestAll(rs));

        PostSend(b, 0, 11, Pattern(4, 6));
        Assert.Equal(1, Request.WaitAny(rs));
        Assert.Null(rs[1].Operation);
        Assert.NotNull(rs[0].Operation);

        // The released operation goes to an unrelated receive; the other two still wait.
        Request other = PostRecv(a, 1, 13, Pinned(8));
        Assert.Same(middle, other.Operation);
        Assert.False(rs[0].IsCompleted);
        Assert.False(rs[2].IsCompleted);
        Assert.False(Request.TestAll(rs));

        PostSend(b, 0, 12, Pattern(2, 7));
        PostSend(b, 0, 10, Pattern(1, 8));
        job.DriveUntil(() => rs[0].IsCompleted && rs[2].IsCompleted, "the other receives");
        Assert.True(Request.TestAll(rs));
        Assert.All(rs, r => Assert.Null(r.Operation));
        Assert.Equal([1L, 4L, 2L], rs.Select(r => r.Wait().ByteCount));
        Assert.Equal([10, 11, 12], rs.Select(r => r.Wait().Tag));
        Assert.False(other.IsCompleted);
        PostSend(b, 0, 13, Pattern(3, 9));
        Assert.Equal(3L, other.Wait().ByteCount);
    }

    [Fact]
    public async Task An_awaited_request_completes_through_its_continuation_and_is_released_once()
    {
        using InProcessJob job = Node(2);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        Request r = PostRecv(a, 1, 20, Pinned(16));
        Operation op = r.Operation!;
        Task<Status> awaited = AwaitIt(r);
        Assert.False(awaited.IsCompleted);
        _ = PostSend(b, 0, 20, Pattern(16, 10)); // the await pump of rank 0 matches it
        Assert.True(await Task.WhenAny(awaited, Task.Delay(20_000)) == awaited, "the await did not end");
        Status s = await awaited;
        Assert.Equal((1, 20, 16L), (s.Source, s.Tag, s.ByteCount));
        Assert.Null(r.Operation);

        // Released exactly once: the next two receives get different operations, one of them it.
        Request x = PostRecv(a, 1, 21, Pinned(8)), y = PostRecv(a, 1, 22, Pinned(8));
        Assert.NotSame(x.Operation, y.Operation);
        Assert.Same(op, x.Operation);
        Assert.Equal(16L, (await r).ByteCount); // awaiting again: completed at once, same status
        _ = PostSend(b, 0, 21, Pattern(8, 11));
        _ = PostSend(b, 0, 22, Pattern(8, 12));
        Assert.Equal(8L, (await AwaitIt(x)).ByteCount);
        Assert.Equal(22, y.Wait().Tag);

        static async Task<Status> AwaitIt(Request r) => await r;
    }

    [Fact]
    public async Task Two_threads_waiting_for_one_request_see_the_same_status_and_release_it_once()
    {
        using InProcessJob job = Node(2);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        for (int round = 0; round < 200; round++)
        {
            Request r = PostRecv(a, 1, 30, Pinned(8));
            var other = Task.Run(() => r.Wait());
            _ = PostSend(b, 0, 30, Pattern(round % 8 + 1, round));
            Status mine = r.Wait();
            Status theirs = await other.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(mine.ByteCount, theirs.ByteCount);
            Assert.Equal(round % 8 + 1, mine.ByteCount);
            Request p = PostRecv(a, 1, 31, Pinned(8)), q = PostRecv(a, 1, 32, Pinned(8));
            Assert.NotSame(p.Operation, q.Operation); // a double release would hand one out twice
            _ = PostSend(b, 0, 31, Pattern(1, 1));
            _ = PostSend(b, 0, 32, Pattern(1, 1));
            Request.WaitAll(p, q);
        }
    }

    [Fact]
    public unsafe void Blocking_calls_allocate_nothing_and_a_non_blocking_pair_only_its_two_handles()
    {
        using InProcessJob job = Node(2);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        byte[] data = Pattern(64, 1), into = Pinned(64);
        byte* d = Address(data), i = Address(into);

        void Blocking()
        {
            b.Send(Context, 1, 0, 40, d, 64, 1); // eager: written into a's ring at once
            a.Receive(Context, 1, 1, 40, i, 64, 1);
        }
        void NonBlocking()
        {
            Request r = PostRecv(a, 1, 41, into);
            Request s = PostSend(b, 0, 41, data);
            s.Wait();
            r.Wait();
        }
        for (int k = 0; k < 1000; k++) { Blocking(); NonBlocking(); } // warm: pools filled, code jitted

        const int N = 2000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < N; k++) Blocking();
        long blocking = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0L, blocking);

        before = GC.GetAllocatedBytesForCurrentThread();
        Request one = PostRecv(a, 1, 42, into); // the size of one handle (the operation comes from the pool)
        long handle = GC.GetAllocatedBytesForCurrentThread() - before;
        PostSend(b, 0, 42, data).Wait();
        one.Wait();
        Assert.InRange(handle, 24, 96);

        before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < N; k++) NonBlocking();
        long nonBlocking = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(2 * N * handle, nonBlocking);
    }

    /// <summary>ISend of an array posts with the array fixed and pins it only if the send stays
    /// pending; IRecv of an array posts it unpinned: an eager message is copied in wherever the
    /// array is then (a compacting GC may have moved it), a large one pins it when matched.</summary>
    [Fact]
    public unsafe void Arrays_are_pinned_only_for_transfers_that_outlive_a_call()
    {
        using InProcessJob job = Node(2);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];

        List<byte[]>? before = [.. Enumerable.Range(0, 2000).Select(_ => new byte[200])];
        byte[] into = new byte[64]; // ordinary heap: moved by a compacting GC
        Operation pending = a.PostNewReceive(Context, 1, 1, 50, 1, null, into.Length, default, pinned: false, array: into, arrayOffset: 0);
        var r = new Request(a, pending);
        Assert.False(pending.Pinned);
        GC.KeepAlive(before);
        before = null;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        byte[] expected = Pattern(40, 9);
        _ = PostSend(b, 0, 50, expected);
        job.DriveUntil(() => r.IsCompleted, "the eager message");
        Assert.False(pending.Pinned);
        Assert.Equal(40, r.Wait().ByteCount);
        Assert.Equal(expected, into.AsSpan(0, 40).ToArray());

        // At an offset in the array (an ArraySegment's), and truncation measured against its length.
        byte[] wide = new byte[32];
        var part = new Request(a, a.PostNewReceive(Context, 1, 1, 51, 1, null, 8, default, pinned: false, array: wide, arrayOffset: 16));
        var tooSmall = new Request(a, a.PostNewReceive(Context, 1, 1, 52, 1, null, 4, default, pinned: false, array: wide, arrayOffset: 0));
        _ = PostSend(b, 0, 51, Pattern(8, 10));
        _ = PostSend(b, 0, 52, Pattern(5, 11));
        Assert.Equal(8, part.Wait().ByteCount);
        Assert.Throws<MessageTruncatedException>(() => tooSmall.Wait());
        Assert.Equal(Pattern(8, 10), wide.AsSpan(16, 8).ToArray());
        Assert.All(wide.AsSpan(0, 16).ToArray().Concat(wide.AsSpan(24).ToArray()), x => Assert.Equal(0, x));

        // An eager send completes at post and pins nothing; a large one (rendezvous) stays pending, pinned;
        // the large receive into an unpinned array pins it when the request-to-send matches.
        byte[] small = Pattern(32, 11), large = Pattern(b.Config.EagerLimit + 1, 12);
        Operation eager, rendezvous;
        fixed (byte* p = small) eager = b.PostNewSend(Context, 1, 0, 53, 1, p, small.Length, default, pinned: false, pinIfPending: small);
        fixed (byte* p = large) rendezvous = b.PostNewSend(Context, 1, 0, 54, 1, p, large.Length, default, pinned: false, pinIfPending: large);
        Assert.True(eager.CompletedFlag);
        Assert.False(eager.Pinned);
        Assert.False(rendezvous.CompletedFlag);
        Assert.True(rendezvous.Pinned);
        byte[] bigInto = new byte[large.Length];
        var big = new Request(a, a.PostNewReceive(Context, 1, 1, 54, 1, null, bigInto.Length, default, pinned: false, array: bigInto));
        Request tiny = PostRecv(a, 1, 53, new byte[32]);
        job.DriveUntil(() => big.IsCompleted && tiny.IsCompleted && rendezvous.CompletedFlag, "the large message");
        Assert.False(rendezvous.Pinned);
        Assert.Equal(large.Length, big.Wait().ByteCount);
        Assert.Equal(large, bigInto);
        Assert.Equal(32, tiny.Wait().ByteCount);
    }
}
