using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace HpcMsg.Internal;

/// <summary>
/// The one wait of a blocked rank, over what every transport gave (ITransport.CollectWaits): sockets
/// to read or write, other file descriptors to read (a libfabric completion queue's wait fd), a bound
/// on the wait, and whether other processes wake the rank through its futex word. Without a
/// descriptor it waits on the futex; with descriptors it waits on them with <c>ppoll(2)</c>, and when
/// peers also wake it through the futex (which no descriptor wait sees; shared memory without its
/// doorbell) the wait is kept short (<see cref="MixedWaitMicros"/>).
/// </summary>
/// <remarks>
/// A wait allocates nothing: the <c>pollfd</c> array lives on the pinned heap and is reused, growing
/// only when a wait has more descriptors than any before it. A socket's descriptor is read for the
/// length of one wait under a reference on its handle (<see cref="SafeHandle.DangerousAddRef"/>), so
/// that a socket closed meanwhile by another thread cannot hand its number to a new file; a socket
/// already closed ends the wait at once, as <c>Socket.Select</c>'s ObjectDisposedException did.
/// ppoll, not poll: its timeout is in nanoseconds, and the bounded wait is 50 µs.
/// </remarks>
internal sealed unsafe partial class WaitSet
{
    /// <summary>Longest descriptor wait of a rank that peers also wake through its futex word (shared
    /// memory without a doorbell), and of a transport that cannot be woken by all of its events.</summary>
    public const int MixedWaitMicros = 50;

    private const short PollIn = 0x001;
    private const short PollOut = 0x004;
    private const short PollErr = 0x008;
    private const short PollHup = 0x010;

    /// <summary>What makes an entry waited on for reading count as fired: a read would not block.</summary>
    private const short Readable = PollIn | PollErr | PollHup;

    private const int EIntr = 4;

    private PollFd[] _fds = GC.AllocateArray<PollFd>(8, pinned: true);
    private Socket?[] _sockets = new Socket?[8];    // the socket of each entry; null: a plain descriptor
    private bool[] _referenced = new bool[8];       // a reference on the socket's handle is held (during a wait)
    private int _count;
    private int _limitMicros = int.MaxValue;

    /// <summary>Peers wake this rank through its futex word (shared memory).</summary>
    public bool FutexWokenByPeers { get; set; }

    /// <summary>After <see cref="Wait"/>: whether it polled the descriptors (false when it returned at
    /// once because the word had moved or a socket was closed, when it waited on the futex only, or
    /// when ppoll failed). An entry that fired in a wait that did not poll is a guess, not an event.</summary>
    public bool Polled { get; private set; }

    /// <summary>Entries in the set (for tests).</summary>
    public int Count => _count;

    /// <summary>Empties the set for the next wait.</summary>
    public void Clear()
    {
        Array.Clear(_sockets, 0, _count); // holds no socket past its wait
        _count = 0;
        _limitMicros = int.MaxValue;
        FutexWokenByPeers = false;
        Polled = false;
    }

    /// <summary>The wait ends when <paramref name="socket"/> is readable (or has an error, or hung up).</summary>
    public void AddReadable(Socket socket) => Add(socket, -1, PollIn);

    /// <summary>The wait ends when <paramref name="socket"/> is writable.</summary>
    public void AddWritable(Socket socket) => Add(socket, -1, PollOut);

    /// <summary>The wait ends when the file descriptor <paramref name="fd"/> (not a socket this set
    /// knows: a pipe, an eventfd, an epoll set, a library's wait object) is readable, has an error, or
    /// hung up. The caller keeps it open for the length of the wait.</summary>
    public void AddReadableFd(int fd) => Add(null, fd, PollIn);

    /// <summary>Bounds the wait (a transport that cannot be woken by all of its events).</summary>
    public void Limit(int micros) => _limitMicros = Math.Min(_limitMicros, Math.Max(micros, 0));

    /// <summary>After <see cref="Wait"/>: whether <paramref name="socket"/>, added to be read, was
    /// readable (the wait ended for it). When the wait did not poll (the word had moved, a socket was
    /// closed, ppoll failed), every entry added to be read counts as fired, as <c>Socket.Select</c>
    /// left its lists whole then: its owner looks at it (a doorbell or bell is read empty).</summary>
    public bool Fired(Socket socket)
    {
        for (int i = 0; i < _count; i++)
        {
            if (ReferenceEquals(_sockets[i], socket) && IsReadFired(i)) return true;
        }
        return false;
    }

    /// <summary>After <see cref="Wait"/>: whether <paramref name="fd"/>, added with
    /// <see cref="AddReadableFd"/>, fired (as <see cref="Fired(Socket)"/>).</summary>
    public bool Fired(int fd)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_sockets[i] is null && _fds[i].Fd == fd && IsReadFired(i)) return true;
        }
        return false;
    }

    /// <summary>Waits for a descriptor, the futex word to move from <paramref name="seen"/>, or
    /// <paramref name="timeoutMicros"/> (less if a transport bounded it).</summary>
    public void Wait(WakeSignal signal, int seen, int timeoutMicros)
    {
        Polled = false;
        int micros = Math.Max(Math.Min(timeoutMicros, _limitMicros), 0);
        // Woken between the caller's last check and now (a transport armed its doorbell meanwhile:
        // a waker that bumped the word before seeing it armed rang nothing).
        if (Volatile.Read(ref *signal.Word) != seen)
        {
            MarkAllFired();
            return;
        }
        if (!AnyReadable())
        {
            signal.Wait(seen, micros);
            return;
        }
        if (FutexWokenByPeers) micros = Math.Min(micros, MixedWaitMicros);
        try
        {
            if (!ReferenceSockets())
            {
                MarkAllFired(); // a socket was closed: the owner's next pass sees why
                return;
            }
            var timeout = new TimeSpec { Seconds = micros / 1_000_000, Nanoseconds = micros % 1_000_000 * 1000L };
            int ready;
            fixed (PollFd* fds = _fds) ready = ppoll(fds, (nuint)_count, &timeout, null);
            if (ready < 0)
            {
                // EINTR (a signal): nothing fired, the caller's loop waits again. Anything else (EINVAL,
                // ENOMEM) cannot be waited through: as Select's SocketException was, it ends the wait.
                if (Marshal.GetLastPInvokeError() != EIntr) MarkAllFired();
                return;
            }
            Polled = true;
        }
        finally
        {
            ReleaseSockets();
        }
    }

    private void Add(Socket? socket, int fd, short events)
    {
        if (_count == _fds.Length) Grow();
        _sockets[_count] = socket;
        _referenced[_count] = false;
        _fds[_count] = new PollFd { Fd = fd, Events = events, Revents = 0 };
        _count++;
    }

    private void Grow()
    {
        int size = _fds.Length * 2;
        PollFd[] fds = GC.AllocateArray<PollFd>(size, pinned: true);
        Array.Copy(_fds, fds, _count);
        _fds = fds;
        Array.Resize(ref _sockets, size);
        Array.Resize(ref _referenced, size);
    }

    private bool IsReadFired(int i) => (_fds[i].Events & PollIn) != 0 && (_fds[i].Revents & Readable) != 0;

    private bool AnyReadable()
    {
        for (int i = 0; i < _count; i++)
        {
            if ((_fds[i].Events & PollIn) != 0) return true;
        }
        return false;
    }

    private void MarkAllFired()
    {
        for (int i = 0; i < _count; i++) _fds[i].Revents = _fds[i].Events;
    }

    /// <summary>Takes a reference on each socket's handle and puts its descriptor in the entry; false
    /// when one is closed already.</summary>
    private bool ReferenceSockets()
    {
        for (int i = 0; i < _count; i++)
        {
            _fds[i].Revents = 0;
            if (_sockets[i] is not { } socket) continue;
            SafeHandle handle = socket.SafeHandle;
            bool taken = false;
            try { handle.DangerousAddRef(ref taken); }
            catch (ObjectDisposedException) { return false; }
            _referenced[i] = taken;
            if (!taken) return false;
            _fds[i].Fd = (int)handle.DangerousGetHandle();
        }
        return true;
    }

    private void ReleaseSockets()
    {
        for (int i = 0; i < _count; i++)
        {
            if (!_referenced[i]) continue;
            _referenced[i] = false;
            _sockets[i]!.SafeHandle.DangerousRelease();
        }
    }

    /// <summary>struct pollfd (poll.h): the same on every Linux ABI.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ppoll(PollFd* fds, nuint count, TimeSpec* timeout, void* signalMask);
}
