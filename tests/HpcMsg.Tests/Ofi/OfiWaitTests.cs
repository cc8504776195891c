using System.Diagnostics;
using System.Runtime.InteropServices;
using HpcMsg.Bootstrap;
using HpcMsg.Engine;
using HpcMsg.Internal;
using HpcMsg.Tests.Engine;
using HpcMsg.Transports.Ofi;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Ofi;

/// <summary>
/// A rank blocked on libfabric sleeps on the completion queue's wait fd in the engine's one wait, where
/// the provider's fi_trywait can be trusted: two engines in this process over two libfabric transports
/// on loopback, rank 1 blocked in a receive for a second, then rank 0 sends. With the fd the blocked rank
/// waits a handful of times (the engine's sleep bound is set to 1 s) and the fd wakes it when the message
/// arrives; with the bounded poll (net before libfabric 1.19, or forced, as every provider had it before)
/// it wakes every 50 µs. And the reason for the rule: after a completion, net's wait fd stays readable
/// with nothing to read although fi_trywait said that the rank may block; tcp;ofi_rxm's is quiet.
/// </summary>
public sealed unsafe partial class OfiWaitTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    [OfiTheory]
    [InlineData("tcp;ofi_rxm", false)]
    [InlineData("tcp;ofi_rxm", true)]
    [InlineData("net", false)]
    public void A_receive_blocked_for_a_second_is_woken_by_the_arrival(string provider, bool forcePoll)
    {
        OfiEndpoint ea = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 2);
        OfiEndpoint eb = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 2);
        string[] annex = [OfiTransport.Annex(ea), OfiTransport.Annex(eb)];
        OfiTransport a = OfiPair.Make(ea, 0, annex), b = OfiPair.Make(eb, 1, annex);
        if (forcePoll) b.PollInsteadOfWaiting("forced by the test (what every provider had before)");
        ProgressEngine e0 = Engine(a, 0, 1_000_000), e1 = Engine(b, 1, 1_000_000);
        try
        {
            // Both ways first: connections open, code jitted.
            Exchange(e0, e1, 1);
            Exchange(e1, e0, 1);

            byte[] into = InProcessJob.Pinned(8);
            Request receive = InProcessJob.PostRecv(e1, 0, 2, into);
            long waitsBefore = b.WaitsCollected, fdBefore = b.FdWakeups;
            long cpu = 0, done = 0;
            Exception? failure = null;
            var blocked = new Thread(() =>
            {
                try
                {
                    long start = ThreadCpuNanoseconds();
                    e1.WaitFor(receive);
                    done = Stopwatch.GetTimestamp();
                    cpu = ThreadCpuNanoseconds() - start;
                }
                catch (Exception x)
                {
                    failure = x;
                }
            }) { IsBackground = true, Name = "blocked rank 1" };
            blocked.Start();
            Thread.Sleep(1000);
            long waits = b.WaitsCollected - waitsBefore;
            long sent = Stopwatch.GetTimestamp();
            SendUntilReceived(e0, blocked);
            Assert.Null(failure);
            Assert.Equal(InProcessJob.Pattern(8, 3), into);
            double wokenMs = (done - sent) * 1000.0 / Stopwatch.Frequency;
            long fdWakeups = b.FdWakeups - fdBefore;
            log.WriteLine($"{provider}{(forcePoll ? ", bounded poll forced" : "")} (libfabric {OfiLibrary.Shared.VersionText}): {b.WaitMode}");
            log.WriteLine($"  blocked 1 s in a receive: {waits} waits; the receiving thread used {cpu / 1e6:F1} ms of CPU until the message was in; "
                + $"woken {wokenMs:F2} ms after the send was posted; {fdWakeups} waits ended by the wait fd");

            bool fd = !forcePoll && OfiWaiting.WhyNotTrusted(provider, OfiLibrary.Shared.Version) is null;
            Assert.Equal(fd, b.WaitsOnFd);
            if (fd)
            {
                Assert.True(waits <= 10, $"{waits} waits in a second blocked on the wait fd (the sleep bound is 1 s)");
                Assert.True(fdWakeups >= 1, "no wait ended for the wait fd: the arrival did not wake the rank through it");
                Assert.True(wokenMs < 900, $"the arrival woke the rank after {wokenMs:F0} ms: the 1 s bound, not the fd");
            }
            else
            {
                Assert.True(waits >= 100, $"only {waits} waits in a second of the bounded poll (every 50 µs)");
                Assert.Equal(0, fdWakeups);
            }
        }
        finally
        {
            e0.Dispose();
            e1.Dispose();
        }
    }

    /// <summary>Rank 0 posts the 8-byte message (tag 2) that rank 1's blocked receive waits for and
    /// drives its own engine until the blocked thread ends (the test's bound at most).</summary>
    private static void SendUntilReceived(ProgressEngine e0, Thread blocked)
    {
        Request send = InProcessJob.PostSend(e0, 1, 2, InProcessJob.Pattern(8, 3));
        var clock = Stopwatch.StartNew();
        while (blocked.IsAlive && clock.Elapsed < Limit)
        {
            e0.ProgressFor(send);
            Thread.Sleep(1);
        }
        Assert.True(blocked.Join(TimeSpan.FromSeconds(5)), "the blocked receive did not complete");
    }

    /// <summary>The watch on a trusted provider: net's fd (libfabric before 1.19) used anyway keeps firing
    /// with nothing to read; after <see cref="OfiWaiting.IdleWakeLimit"/> such wake-ups in a row the rank
    /// goes back to the bounded poll, and the message still arrives.</summary>
    [OfiFact]
    public void A_wait_fd_that_keeps_firing_with_nothing_to_read_is_given_up_for_the_bounded_poll()
    {
        if (OfiWaiting.WhyNotTrusted("net", OfiLibrary.Shared.Version) is null)
        {
            log.WriteLine($"libfabric {OfiLibrary.Shared.VersionText}: net's fi_trywait is trusted here, so its fd does not fire for nothing; nothing to watch");
            return;
        }
        OfiEndpoint ea = OfiEndpoint.Open(OfiLibrary.Shared, "net", "127.0.0.1", peers: 2);
        OfiEndpoint eb = OfiEndpoint.Open(OfiLibrary.Shared, "net", "127.0.0.1", peers: 2);
        string[] annex = [OfiTransport.Annex(ea), OfiTransport.Annex(eb)];
        OfiTransport a = OfiPair.Make(ea, 0, annex), b = OfiPair.Make(eb, 1, annex);
        b.WaitOnFdAnyway();
        Assert.True(b.WaitsOnFd);
        ProgressEngine e0 = Engine(a, 0, 1_000_000), e1 = Engine(b, 1, 1_000_000);
        try
        {
            Exchange(e0, e1, 1);
            Exchange(e1, e0, 1); // completions on both sides: net's fd is readable from now on
            byte[] into = InProcessJob.Pinned(8);
            Request receive = InProcessJob.PostRecv(e1, 0, 2, into);
            Exception? failure = null;
            var blocked = new Thread(() =>
            {
                try { e1.WaitFor(receive); }
                catch (Exception x) { failure = x; }
            }) { IsBackground = true, Name = "blocked rank 1" };
            blocked.Start();
            var clock = Stopwatch.StartNew();
            while (b.WaitsOnFd && clock.Elapsed < Limit) Thread.Sleep(10);
            log.WriteLine($"after {clock.ElapsedMilliseconds} ms: {b.WaitMode} ({b.FdWakeups} waits ended by the fd, {b.WaitsCollected} waits)");
            Assert.False(b.WaitsOnFd, "the rank kept sleeping on a wait fd that fires for nothing");
            Assert.Contains($"woke this rank {OfiWaiting.IdleWakeLimit} times in a row with no completion to read", b.WaitMode, StringComparison.Ordinal);
            Assert.True(b.FdWakeups >= OfiWaiting.IdleWakeLimit);
            SendUntilReceived(e0, blocked);
            Assert.Null(failure);
            Assert.Equal(InProcessJob.Pattern(8, 3), into);
        }
        finally
        {
            e0.Dispose();
            e1.Dispose();
        }
    }

    /// <summary>Two ranks that block from the start (no warm-up: the connection opens while they wait)
    /// move a 16 MiB message, the sender's rendezvous and the payload's socket writes included, without
    /// a wait running out: the sleep bound is 10 s, so a wait that the fd did not end would show.</summary>
    [OfiTheory]
    [InlineData("tcp;ofi_rxm")]
    [InlineData("net")]
    public void A_large_message_between_two_blocked_ranks_never_waits_out_the_sleep_bound(string provider)
    {
        OfiEndpoint ea = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 2);
        OfiEndpoint eb = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 2);
        string[] annex = [OfiTransport.Annex(ea), OfiTransport.Annex(eb)];
        OfiTransport a = OfiPair.Make(ea, 0, annex), b = OfiPair.Make(eb, 1, annex);
        ProgressEngine e0 = Engine(a, 0, 10_000_000), e1 = Engine(b, 1, 10_000_000);
        try
        {
            const int size = 16 * 1024 * 1024;
            byte[] data = InProcessJob.Pattern(size, 5), into = InProcessJob.Pinned(size);
            Request receive = InProcessJob.PostRecv(e1, 0, 9, into);
            var clock = Stopwatch.StartNew();
            Exception? failure = null;
            Thread Blocked(Action wait, string name)
            {
                var t = new Thread(() =>
                {
                    try { wait(); }
                    catch (Exception x) { failure = x; }
                }) { IsBackground = true, Name = name };
                t.Start();
                return t;
            }
            Thread receiver = Blocked(() => e1.WaitFor(receive), "blocked receiver");
            Thread sender = Blocked(() => e0.WaitFor(InProcessJob.PostSend(e0, 1, 9, data)), "blocked sender");
            bool done = sender.Join(TimeSpan.FromSeconds(30)) & receiver.Join(TimeSpan.FromSeconds(30));
            double seconds = clock.Elapsed.TotalSeconds;
            log.WriteLine($"{provider}: {b.WaitMode}; 16 MiB between two blocked ranks in {seconds * 1000:F0} ms "
                + $"(sender: {a.WaitsCollected} waits, {a.FdWakeups} ended by the fd; receiver: {b.WaitsCollected} waits, {b.FdWakeups} ended by the fd)");
            Assert.True(done, "the large message did not complete within 30 s");
            Assert.Null(failure);
            Assert.True(data.AsSpan().SequenceEqual(into), "the large message arrived changed");
            Assert.True(seconds < 8, $"16 MiB took {seconds:F1} s: a wait ran out its 10 s bound (an event the wait fd did not show)");
        }
        finally
        {
            e0.Dispose();
            e1.Dispose();
        }
    }

    [OfiTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void After_a_completion_the_wait_fd_is_quiet_only_where_fi_trywait_is_trusted(string provider)
    {
        using OfiEndpoint a = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 1);
        using OfiEndpoint b = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 1);
        Assert.True(b.WaitFd >= 0, $"{provider} opened no wait fd");
        ulong aToB = a.InsertPeer(b.Name);
        b.InsertPeer(a.Name);
        byte* memory = (byte*)NativeMemory.AlignedAlloc(256, 64);
        var contexts = (FiContext2*)NativeMemory.AlignedAlloc((nuint)(2 * sizeof(FiContext2)), 64);
        WakeSignal signal = WakeSignal.AllocatePrivate();
        try
        {
            ulong tag = OfiTagLayout.Make(0, 1, 0, 4);
            Assert.True(b.TryReceive(memory + 128, 64, null, OfiConstants.FiAddrUnspec, tag, 0, contexts + 1));
            Span<OfiCompletion> one = stackalloc OfiCompletion[1];
            var clock = Stopwatch.StartNew();
            while (!a.TrySend(memory, 64, null, aToB, tag, contexts))
            {
                a.Poll(one);
                b.Poll(one);
                Assert.True(clock.Elapsed < Limit, "fi_tsend still -FI_EAGAIN");
            }
            bool sentDone = false, received = false;
            while (!(sentDone && received))
            {
                if (a.Poll(one) > 0) sentDone = true;
                if (b.Poll(one) > 0) received = one[0].IsReceive;
                Assert.True(clock.Elapsed < Limit, "the message did not complete on both sides");
            }

            // b has read its completion. fi_trywait until it says that b may block (rxm may first have
            // events of its own to move), then one wait on the fd alone.
            int rc, extra = 0;
            while ((rc = b.TryWait()) == -OfiConstants.FiEAgain)
            {
                extra += b.Poll(one);
                Assert.True(clock.Elapsed < Limit, "fi_trywait kept saying -FI_EAGAIN");
            }
            Assert.Equal(0, rc);
            var set = new WaitSet();
            set.AddReadableFd(b.WaitFd);
            set.Wait(signal, *signal.Word, 200_000);
            bool fired = set.Fired(b.WaitFd);
            int after = b.Poll(one);
            bool trusted = OfiWaiting.WhyNotTrusted(provider, OfiLibrary.Shared.Version) is null;
            log.WriteLine($"{provider} (libfabric {OfiLibrary.Shared.VersionText}): after fi_trywait said yes the fd {(fired ? "was readable" : "stayed quiet for 200 ms")}, "
                + $"and the queue then had {after} completions ({extra} read while fi_trywait said no); fi_trywait trusted: {trusted}");
            Assert.Equal(0, after + extra);
            Assert.Equal(!trusted, fired);
        }
        finally
        {
            signal.FreePrivate();
            NativeMemory.AlignedFree(memory);
            NativeMemory.AlignedFree(contexts);
        }
    }

    /// <summary>Rank <paramref name="from"/> sends 8 bytes to the other; both engines are driven here until it is in.</summary>
    private static void Exchange(ProgressEngine from, ProgressEngine to, int tag)
    {
        byte[] into = InProcessJob.Pinned(8);
        Request receive = InProcessJob.PostRecv(to, from.WorldRank, tag, into);
        Request send = InProcessJob.PostSend(from, to.WorldRank, tag, InProcessJob.Pattern(8, tag));
        var clock = Stopwatch.StartNew();
        while (!(from.ProgressFor(send) & to.ProgressFor(receive)))
            Assert.True(clock.Elapsed < Limit, "the warm-up message did not arrive");
    }

    /// <summary>An engine over <paramref name="transport"/> alone that sleeps at once when idle (no spin,
    /// no yields), each sleep at most <paramref name="sleepMicros"/>.</summary>
    private static ProgressEngine Engine(OfiTransport transport, int rank, int sleepMicros)
    {
        var job = new JobEnvironment(rank, 2, "unit-ofi-wait", null, 0, false) { LocalRank = 0, LocalSize = 1, Node = rank, Nodes = 2 };
        var config = new EngineConfig
        {
            EagerLimit = 4096,
            TcpEagerLimit = 64 * 1024,
            ChunkBytes = 16 * 1024,
            SpinMicros = 0,
            Yields = 0,
            SleepMicros = sleepMicros,
            UseCrossMemoryAttach = false,
            AsymmetricFence = false,
            Oversubscribed = false,
        };
        return new ProgressEngine(job, null, transport, config);
    }

    private static long ThreadCpuNanoseconds()
    {
        TimeSpec t;
        if (clock_gettime(ClockThreadCpuTime, &t) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc")]
    private static partial int clock_gettime(int clock, TimeSpec* time);
}
