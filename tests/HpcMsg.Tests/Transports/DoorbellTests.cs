using System.Diagnostics;
using HpcMsg.Bootstrap;
using HpcMsg.Internal;
using HpcMsg.Transports;
using HpcMsg.Transports.Shm;
using HpcMsg.Tests.Engine;

namespace HpcMsg.Tests.Transports;

/// <summary>
/// One wait for a rank with peers of both kinds: while it waits on sockets, shared memory puts the
/// rank's doorbell in the wait and arms it, and a node peer that wakes the rank rings it, so the
/// socket wait ends at once instead of after its timeout (the 50 µs polling before). Disarmed after
/// the wait, a wake rings nothing.
/// </summary>
public sealed unsafe class DoorbellTests
{
    private const int Long = 5_000_000; // µs: a wait that ran this long was not rung

    [Fact]
    public void A_node_peer_that_wakes_a_rank_waiting_on_sockets_rings_its_doorbell_only_while_armed()
    {
        using InProcessJob job = InProcessJob.Node(2);
        ShmTransport waker = Transport(job, 0), sleeper = Transport(job, 1);
        WakeSignal signal = sleeper.OwnSignal;
        var set = new WaitSet();
        try
        {
            int seen = signal.BeginSleep();
            ((ITransport)sleeper).CollectWaits(set);
            Assert.False(set.FutexWokenByPeers, "the doorbell was not bound: the wait would poll");

            waker.WakeIfSleeping(1);
            Assert.NotEqual(seen, Volatile.Read(ref *signal.Word)); // the futex word moved, as before
            var clock = Stopwatch.StartNew();
            set.Wait(signal, Volatile.Read(ref *signal.Word), Long); // a socket wait sees only the doorbell
            Assert.True(clock.ElapsedMilliseconds < 2_000, $"the socket wait was not rung ({clock.ElapsedMilliseconds} ms)");
            ((ITransport)sleeper).AfterWait(set);

            // Disarmed and silenced: a wake now rings nothing, and a socket wait runs to its timeout.
            set.Clear();
            set.AddReadable(DoorbellOf(sleeper));
            waker.WakeIfSleeping(1);
            clock.Restart();
            set.Wait(signal, Volatile.Read(ref *signal.Word), 200_000);
            Assert.True(clock.ElapsedMilliseconds >= 150, $"the doorbell rang while disarmed ({clock.ElapsedMilliseconds} ms)");
            signal.EndSleep();
        }
        finally
        {
            ((ITransport)waker).Close();
            ((ITransport)sleeper).Close();
        }
    }

    private static ShmTransport Transport(InProcessJob job, int rank) =>
        new(job.Segment, new JobEnvironment(rank, 2, "unit-doorbell", job.Segment.Path, 0, false) { LocalRank = rank, LocalSize = 2 });

    private static System.Net.Sockets.Socket DoorbellOf(ShmTransport t) =>
        ((Doorbell)typeof(ShmTransport).GetField("_doorbell", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(t)!).Socket;
}
