using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using HpcMsg.Internal;

namespace HpcMsg.Tests.Transports;

/// <summary>
/// The engine's one wait (<see cref="WaitSet"/>, ppoll over descriptors) on its own: it ends for a
/// pipe, an eventfd and a socket of a socket pair, each alone, and says which fired; it ends when the
/// descriptor becomes readable while it waits; it runs to its timeout (or a transport's bound) when
/// nothing fires; the futex word ends it as before (moved already: at once, and without descriptors it
/// is a futex wait); a socket closed before the wait ends it at once; and a wait allocates nothing.
/// </summary>
public sealed unsafe partial class WaitSetTests : IDisposable
{
    private const int Long = 5_000_000; // µs: a wait that ran this long did not fire
    private const int EfdNonBlock = 0x800;
    private const int AfUnix = 1;
    private const int SockStream = 1;

    private readonly WakeSignal _signal = WakeSignal.AllocatePrivate();
    private readonly int _pipeRead, _pipeWrite, _eventFd;
    private readonly Socket _socket, _peer;

    public WaitSetTests()
    {
        int* p = stackalloc int[2];
        Assert.Equal(0, pipe(p));
        (_pipeRead, _pipeWrite) = (p[0], p[1]);
        _eventFd = eventfd(0, EfdNonBlock);
        Assert.True(_eventFd >= 0, "eventfd failed");
        Assert.Equal(0, socketpair(AfUnix, SockStream, 0, p));
        _socket = new Socket(new SafeSocketHandle(p[0], ownsHandle: true)) { Blocking = false };
        _peer = new Socket(new SafeSocketHandle(p[1], ownsHandle: true));
    }

    public void Dispose()
    {
        close(_pipeRead);
        close(_pipeWrite);
        close(_eventFd);
        _socket.Dispose();
        _peer.Dispose();
        _signal.FreePrivate();
    }

    [Fact]
    public void Each_descriptor_ends_the_wait_alone_and_only_it_fired()
    {
        WaitSet set = Filled();
        foreach (string which in new[] { "pipe", "eventfd", "socket" })
        {
            MakeReadable(which);
            var clock = Stopwatch.StartNew();
            set.Wait(_signal, *_signal.Word, Long);
            Assert.True(clock.ElapsedMilliseconds < 2_000, $"the wait did not end for the {which} ({clock.ElapsedMilliseconds} ms)");
            Assert.True(set.Polled);
            Assert.Equal(which == "pipe", set.Fired(_pipeRead));
            Assert.Equal(which == "eventfd", set.Fired(_eventFd));
            Assert.Equal(which == "socket", set.Fired(_socket));
            Drain(which);
        }
    }

    [Fact]
    public void A_descriptor_that_becomes_readable_during_the_wait_ends_it()
    {
        WaitSet set = Filled();
        var writer = new Thread(() =>
        {
            Thread.Sleep(100);
            MakeReadable("eventfd");
        });
        var clock = Stopwatch.StartNew();
        writer.Start();
        set.Wait(_signal, *_signal.Word, Long);
        long elapsed = clock.ElapsedMilliseconds;
        writer.Join();
        Assert.True(elapsed is >= 50 and < 2_500, $"the wait lasted {elapsed} ms (the eventfd was written after 100 ms)");
        Assert.True(set.Fired(_eventFd));
        Assert.False(set.Fired(_pipeRead));
        Assert.False(set.Fired(_socket));
        Drain("eventfd");
    }

    [Fact]
    public void Nothing_fires_so_the_wait_runs_to_its_timeout_or_a_transports_bound()
    {
        WaitSet set = Filled();
        var clock = Stopwatch.StartNew();
        set.Wait(_signal, *_signal.Word, 150_000);
        long elapsed = clock.ElapsedMilliseconds;
        Assert.True(elapsed >= 140, $"a 150 ms wait with nothing to read ended after {elapsed} ms");
        Assert.True(set.Polled);
        Assert.False(set.Fired(_pipeRead) || set.Fired(_eventFd) || set.Fired(_socket));

        // A transport's bound (the libfabric fallback's 50 µs), and peers that wake through the futex
        // word, keep it short.
        set.Limit(WaitSet.MixedWaitMicros);
        clock.Restart();
        set.Wait(_signal, *_signal.Word, Long);
        Assert.True(clock.ElapsedMilliseconds < 1_000, $"a wait bounded to 50 µs lasted {clock.ElapsedMilliseconds} ms");
        set = Filled();
        set.FutexWokenByPeers = true;
        clock.Restart();
        set.Wait(_signal, *_signal.Word, Long);
        Assert.True(clock.ElapsedMilliseconds < 1_000, $"a wait woken through the futex too lasted {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void The_futex_word_ends_the_wait_as_before()
    {
        // Moved before the wait (a waker came between the last check and the wait): back at once, and
        // every descriptor counts as fired, so that owners read their doorbells (as after Socket.Select).
        WaitSet set = Filled();
        int seen = *_signal.Word;
        _signal.Wake();
        var clock = Stopwatch.StartNew();
        set.Wait(_signal, seen, Long);
        Assert.True(clock.ElapsedMilliseconds < 1_000);
        Assert.False(set.Polled);
        Assert.True(set.Fired(_pipeRead) && set.Fired(_eventFd) && set.Fired(_socket));

        // Without a descriptor it is the futex wait: a wake ends it.
        set.Clear();
        seen = _signal.BeginSleep();
        var waker = new Thread(() =>
        {
            Thread.Sleep(100);
            _signal.WakeIfSleeping();
        });
        clock.Restart();
        waker.Start();
        set.Wait(_signal, seen, Long);
        long elapsed = clock.ElapsedMilliseconds;
        waker.Join();
        _signal.EndSleep();
        Assert.True(elapsed is >= 50 and < 2_500, $"the futex wait lasted {elapsed} ms (woken after 100 ms)");
        Assert.False(set.Polled);
    }

    [Fact]
    public void A_socket_closed_before_the_wait_ends_it_at_once()
    {
        WaitSet set = Filled();
        _socket.Dispose();
        var clock = Stopwatch.StartNew();
        set.Wait(_signal, *_signal.Word, Long);
        Assert.True(clock.ElapsedMilliseconds < 1_000, $"a wait on a closed socket lasted {clock.ElapsedMilliseconds} ms");
        Assert.False(set.Polled);
        Assert.True(set.Fired(_socket));
    }

    [Fact]
    public void A_wait_allocates_nothing()
    {
        var set = new WaitSet();
        for (int i = 0; i < 20; i++) Cycle(set); // grown, jitted, the socket's handle state settled
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) Cycle(set);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    /// <summary>What the engine does per sleep: clear, collect (sockets both ways, plain descriptors),
    /// wait (one readable, one not: the wait polls and ends at once), ask what fired, read it.</summary>
    private void Cycle(WaitSet set)
    {
        set.Clear();
        set.AddReadable(_socket);
        set.AddWritable(_socket);
        set.AddReadableFd(_pipeRead);
        set.AddReadableFd(_eventFd);
        set.Limit(1_000_000);
        MakeReadable("eventfd");
        set.Wait(_signal, *_signal.Word, Long);
        if (!set.Polled || !set.Fired(_eventFd) || set.Fired(_pipeRead)) throw new InvalidOperationException("the wait did not see the eventfd alone");
        Drain("eventfd");
    }

    private WaitSet Filled()
    {
        var set = new WaitSet();
        set.AddReadableFd(_pipeRead);
        set.AddReadableFd(_eventFd);
        set.AddReadable(_socket);
        return set;
    }

    private void MakeReadable(string which)
    {
        if (!Poke(which)) throw new InvalidOperationException($"could not write to the {which}");
    }

    private void Drain(string which)
    {
        if (!Take(which)) throw new InvalidOperationException($"nothing to read from the {which}");
    }

    /// <summary>Makes <paramref name="which"/> readable (allocates nothing).</summary>
    private bool Poke(string which)
    {
        ulong one = 1;
        return which switch
        {
            "pipe" => write(_pipeWrite, &one, 1) == 1,
            "eventfd" => write(_eventFd, &one, 8) == 8,
            _ => _peer.Send(new ReadOnlySpan<byte>(&one, 1)) == 1,
        };
    }

    /// <summary>Reads what <see cref="Poke"/> wrote (allocates nothing).</summary>
    private bool Take(string which)
    {
        ulong buffer;
        return which switch
        {
            "pipe" => read(_pipeRead, &buffer, 1) == 1,
            "eventfd" => read(_eventFd, &buffer, 8) == 8,
            _ => _socket.Receive(new Span<byte>(&buffer, 8)) == 1,
        };
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int pipe(int* fds);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initial, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socketpair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
