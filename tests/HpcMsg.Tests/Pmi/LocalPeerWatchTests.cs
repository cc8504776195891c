using System.Diagnostics;
using HpcMsg.Bootstrap.Pmi;
using HpcMsg.Transports.Shm;

namespace HpcMsg.Tests.Pmi;

/// <summary>
/// <see cref="LocalPeerWatch"/> over a real segment of this process, without a job: a peer is "dead"
/// when its published pid is that of a process that has exited (and been reaped). A peer that joined
/// and died marks the job as failed in the segment (its world rank, 137) and ends the job after the
/// grace; a finalized peer, or one that never joined, is not dead; a watch disposed within the grace
/// still ends the job, once.
/// </summary>
public sealed unsafe class LocalPeerWatchTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);
    private readonly string _path = ShmSegment.PathFor("unit-" + Guid.NewGuid().ToString("N"));
    private readonly ShmSegment _segment;
    private int _aborts;
    private int _abortCode;

    public LocalPeerWatchTests()
    {
        ShmSegment.Create(_path, 3);
        _segment = ShmSegment.Open(_path);
    }

    public void Dispose()
    {
        _segment.Dispose();
        ShmSegment.Remove(_path);
    }

    private LocalPeerWatch Watch() =>
        new(_segment, localRank: 0, firstWorldRank: 4, abort: code => { _abortCode = code; Interlocked.Increment(ref _aborts); });

    /// <summary>The pid of a process that has exited and been reaped.</summary>
    private static int DeadPid()
    {
        using Process p = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }

    private void Join(int rank, int pid, bool finalized = false)
    {
        Volatile.Write(ref *_segment.Pid(rank), pid);
        Volatile.Write(ref *_segment.Ready(rank), 1);
        if (finalized) Volatile.Write(ref *_segment.Finalized(rank), 1);
    }

    private static void Eventually(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Limit, $"{what}: not within {Limit.TotalSeconds} s");
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void APeerThatJoinedAndDiedFailsTheJobAndEndsItAfterTheGrace()
    {
        Join(0, Environment.ProcessId);
        Join(1, Environment.ProcessId);
        Join(2, DeadPid());
        using LocalPeerWatch watch = Watch();
        Eventually(() => _segment.ReadJobState() == ShmLayout.JobRankFailed, "the job marked as failed");
        Assert.Equal(6, Volatile.Read(ref *_segment.FailedRank)); // world rank: first 4, local 2
        Assert.Equal(137, Volatile.Read(ref *_segment.ExitCode));
        Eventually(() => Volatile.Read(ref _aborts) != 0, "the abort");
        Assert.Equal(1, _abortCode);
        watch.Dispose();
        Assert.Equal(1, Volatile.Read(ref _aborts));
    }

    [Fact]
    public void AFinalizedPeerOrOneThatNeverJoinedIsNotDead()
    {
        Join(0, Environment.ProcessId);
        Join(1, DeadPid(), finalized: true);
        Volatile.Write(ref *_segment.Pid(2), DeadPid()); // pid published, never ready
        LocalPeerWatch watch = Watch();
        Thread.Sleep(TimeSpan.FromMilliseconds(700)); // three looks at least
        watch.Dispose();
        Assert.Equal(ShmLayout.JobRunning, _segment.ReadJobState());
        Assert.Equal(0, Volatile.Read(ref _aborts));
    }

    [Fact]
    public void AWatchDisposedWithinTheGraceStillEndsTheJobOnce()
    {
        Join(0, Environment.ProcessId);
        Join(1, DeadPid());
        Join(2, Environment.ProcessId);
        LocalPeerWatch watch = Watch();
        Eventually(() => _segment.ReadJobState() == ShmLayout.JobRankFailed, "the job marked as failed");
        watch.Dispose(); // as Finalize does, within the 1 s grace
        Assert.Equal(1, Volatile.Read(ref _aborts));
        Assert.Equal(1, _abortCode);
        Thread.Sleep(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, Volatile.Read(ref _aborts));
    }
}
