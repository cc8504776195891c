using HpcMsg.Engine;
using HpcMsg.Transports.Shm;
using static HpcMsg.Tests.Engine.InProcessJob;

namespace HpcMsg.Tests.Engine;

/// <summary>
/// <see cref="Request.IsCompleted"/> is a plain read (no progress, no exception); Test and Wait make
/// progress and throw. A failure is rethrown with the stack trace of where it happened (the engine
/// that found it, or the throw that the await pump caught), not only that of the rethrow.
/// </summary>
public sealed class RequestContractTests
{
    [Fact]
    public void WaitAny_returns_each_request_once_then_minus_one_as_MPI_Waitany()
    {
        using InProcessJob job = Node(2);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        const int n = 7;
        Request[] rs = [.. Enumerable.Range(0, n).Select(i => PostRecv(a, 1, 20 + i, Pinned(16)))];
        foreach (int i in Enumerable.Range(0, n).OrderBy(i => (i * 5 + 3) % n)) PostSend(b, 0, 20 + i, Pattern(i + 1, i));

        var returned = new List<int>();
        for (int k = 0; k < n; k++) returned.Add(Request.WaitAny(rs));
        Assert.Equal(Enumerable.Range(0, n), returned.Order()); // each once: the usual n-call loop
        Assert.Equal(-1, Request.WaitAny(rs));                  // no active entry left (MPI_UNDEFINED)
        for (int i = 0; i < n; i++) Assert.Equal(i + 1, rs[i].Wait().ByteCount); // statuses still there

        // Completions reported by Wait or Test count as delivered too; a fresh request beside them is
        // what WaitAny returns.
        Request waited = PostRecv(a, 1, 30, Pinned(8)), tested = PostRecv(a, 1, 31, Pinned(8)), fresh = PostRecv(a, 1, 32, Pinned(8));
        PostSend(b, 0, 30, Pattern(1, 1));
        PostSend(b, 0, 31, Pattern(2, 2));
        waited.Wait();
        job.DriveUntil(() => tested.IsCompleted, "the tested receive");
        Assert.True(tested.Test(out _));
        PostSend(b, 0, 32, Pattern(3, 3));
        Assert.Equal(2, Request.WaitAny(waited, tested, fresh, null!));
        Assert.Equal(-1, Request.WaitAny(waited, tested, fresh));
    }

    [Fact]
    public void The_default_status_that_IProbe_and_Test_give_has_count_zero()
    {
        Status nothing = default;
        Assert.Equal(0, nothing.Count);
        Assert.Equal(0, nothing.GetCount<double>());
        Assert.Equal(0L, nothing.ByteCount);
    }

    [Fact]
    public void IsCompleted_drives_no_progress_and_Test_does()
    {
        using InProcessJob job = Node(2);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        Request r = PostRecv(a, 1, 3, Pinned(8));
        Request s = PostSend(b, 0, 3, Pattern(8, 1)); // eager: in a's ring now, matched by a's next pass
        Assert.True(s.IsCompleted);
        for (int i = 0; i < 100; i++) Assert.False(r.IsCompleted, "IsCompleted made progress");
        Assert.True(r.Test(out Status status));
        Assert.Equal(8, status.ByteCount);
        Assert.True(r.IsCompleted);
    }

    [Fact]
    public void IsCompleted_does_not_throw_when_the_job_is_ending_or_the_request_failed()
    {
        using InProcessJob job = Node(2);
        ProgressEngine a = job.Engines[0], b = job.Engines[1];
        Request truncated = PostRecv(a, 1, 4, Pinned(4));
        PostSend(b, 0, 4, Pattern(16, 2));
        job.DriveUntil(() => truncated.IsCompleted, "the truncated receive");
        Assert.True(truncated.IsCompleted); // read again: still no exception
        Assert.Throws<MessageTruncatedException>(() => truncated.Wait());

        Request pending = PostRecv(a, 1, 5, Pinned(4));
        job.Segment.MarkJobEnding(ShmLayout.JobAborted, 1, 3);
        Assert.False(pending.IsCompleted);
        Assert.Throws<JobAbortedException>(() => pending.Test(out _));
        Assert.False(pending.IsCompleted);
    }

    [Fact]
    public void An_error_found_by_the_engine_is_rethrown_with_the_engine_s_stack()
    {
        using InProcessJob job = Singleton(orphaned: false);
        ProgressEngine e = job.Engines[0];
        PostSend(e, 0, 6, Pattern(32, 3)); // to itself: waits in the unexpected queue
        Request r = PostRecv(e, 0, 6, Pinned(16)); // truncated when it is matched, inside PostReceive

        var waited = Assert.Throws<MessageTruncatedException>(() => r.Wait());
        AssertRethrownFrom(waited, "HpcMsg.Engine.ProgressEngine.PostReceive", "HpcMsg.Request.Wait");
        var all = Assert.Throws<MessageTruncatedException>(() => Request.WaitAll(r));
        AssertRethrownFrom(all, "HpcMsg.Engine.ProgressEngine.PostReceive", "HpcMsg.Request.WaitAll");
    }

    [Fact]
    public async Task An_awaited_request_failed_by_the_pump_rethrows_the_original_throw_site()
    {
        using InProcessJob job = Node(2);
        Request r = PostRecv(job.Engines[0], 1, 7, Pinned(4));
        Task<Status> awaited = AwaitIt(r);
        job.Segment.MarkJobEnding(ShmLayout.JobAborted, 1, 3);
        Assert.True(await Task.WhenAny(awaited, Task.Delay(20_000)) == awaited, "the await did not end");
        var e = await Assert.ThrowsAsync<JobAbortedException>(() => awaited);
        AssertRethrownFrom(e, "HpcMsg.Engine.ProgressEngine.ThrowJobEnding", "HpcMsg.Request.Wait");

        static async Task<Status> AwaitIt(Request r) => await r;
    }

    /// <summary>The original frames come first, then the rethrow's after the dispatch marker.</summary>
    private static void AssertRethrownFrom(Exception e, string original, string rethrow)
    {
        string trace = e.StackTrace ?? "";
        int at = trace.IndexOf(original, StringComparison.Ordinal);
        int marker = trace.IndexOf("--- End of stack trace from previous location ---", StringComparison.Ordinal);
        int again = trace.LastIndexOf(rethrow, StringComparison.Ordinal);
        Assert.True(at >= 0 && marker > at && again > marker, $"expected {original}, then the rethrow in {rethrow}; got:\n{trace}");
    }
}
