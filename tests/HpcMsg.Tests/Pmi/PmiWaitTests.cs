using System.Diagnostics;
using HpcMsg.Bootstrap.Pmi;

namespace HpcMsg.Tests.Pmi;

/// <summary>
/// <see cref="PmiWait"/> against <see cref="FakePmiServer"/>: a fence that one rank never enters ends,
/// on the rank waiting in it, with a message naming HPCMSG_PMI_TIMEOUT after the timeout, or at once with
/// the reason a watcher gave to <see cref="PmiWait.Stop"/>; both protocols. Each wait is itself bounded
/// by the test, so that a hang fails it.
/// </summary>
public class PmiWaitTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private static IPmiClient Open(FakePmiServer server, int version, int rank, PmiWait? wait) =>
        version == 2 ? new Pmi2Client(server.Connect(rank), rank, server.JobId, wait) : new Pmi1Client(server.Connect(rank), rank, server.Size, wait);

    /// <summary>Rank 0 enters the fence alone and must fail; then rank 1 enters, so that the fake's
    /// thread for rank 0 leaves its barrier and the server can be disposed.</summary>
    private static (HpcMsgException Error, TimeSpan Elapsed) FenceAlone(int version, PmiWait wait, Action? meanwhile = null)
    {
        using var server = new FakePmiServer(2);
        Exception? error = null;
        var clock = Stopwatch.StartNew();
        using (IPmiClient lone = Open(server, version, 0, wait))
        {
            Task fence = Task.Factory.StartNew(() => lone.Fence(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            meanwhile?.Invoke();
            Assert.True(((IAsyncResult)fence).AsyncWaitHandle.WaitOne(Limit), $"the fence did not end within {Limit.TotalSeconds} s");
            error = fence.Exception?.InnerException;
        }
        TimeSpan elapsed = clock.Elapsed;
        using (IPmiClient late = Open(server, version, 1, null)) late.Fence();
        return (Assert.IsType<HpcMsgException>(error), elapsed);
    }

    [Theory]
    [InlineData(2, "kvs-fence")]
    [InlineData(1, "barrier_in")]
    public void AFenceThatARankNeverEntersEndsAfterTheTimeoutNamingTheParameter(int version, string request)
    {
        (HpcMsgException e, TimeSpan elapsed) = FenceAlone(version, new PmiWait(TimeSpan.FromSeconds(1)));
        Assert.Contains(request, e.Message);
        Assert.Contains("did not come within 1 s", e.Message);
        Assert.Contains("HPCMSG_PMI_TIMEOUT", e.Message);
        Assert.Contains("died or exited before joining", e.Message);
        Assert.Contains("--kill-on-bad-exit", e.Message);
        Assert.True(elapsed >= TimeSpan.FromSeconds(0.9) && elapsed < TimeSpan.FromSeconds(10), $"ended after {elapsed.TotalSeconds:F1} s");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(1)]
    public void AStoppedWaitEndsAtOnceWithTheWatchersReason(int version)
    {
        var wait = new PmiWait(TimeSpan.FromSeconds(60));
        (HpcMsgException e, TimeSpan elapsed) = FenceAlone(version, wait, () =>
        {
            Thread.Sleep(300);
            wait.Stop("rank 3 of this node exited");
        });
        Assert.Equal("rank 3 of this node exited", e.Message);
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"ended after {elapsed.TotalSeconds:F1} s, not soon after the stop");
    }

    [Fact]
    public void ARequestAfterTheStopFailsWithTheSameReason()
    {
        using var server = new FakePmiServer(1);
        var wait = new PmiWait(TimeSpan.FromSeconds(60));
        using IPmiClient c = Open(server, 2, 0, wait);
        c.Put("k", "V");
        wait.Stop("first reason");
        wait.Stop("second reason");
        var e = Assert.Throws<HpcMsgException>(() => c.Get("k", 0));
        Assert.Equal("first reason", e.Message);
    }

    [Fact]
    public void RepliesThatComeInTimePassThrough()
    {
        using var server = new FakePmiServer(1);
        using IPmiClient c = Open(server, 2, 0, new PmiWait(TimeSpan.FromSeconds(5)));
        c.Put("k", "V");
        c.Fence();
        Assert.Equal("V", c.Get("k", 0));
        c.FinalizeJob();
    }
}
