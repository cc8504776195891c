using System.Net.Sockets;

namespace HpcMsg.Internal;

/// <summary>
/// The one wait of a blocked rank, over what every transport gave (ITransport.CollectWaits): sockets
/// to read or write, a bound on the wait, and whether other processes wake the rank through its
/// futex word. Without sockets it waits on the futex; with sockets it waits on them, and when peers
/// also wake it through the futex (which no socket wait sees) the wait is kept short
/// (<see cref="MixedWaitMicros"/>).
/// </summary>
internal sealed class WaitSet
{
    /// <summary>Longest socket wait of a rank that peers also wake through its futex word.</summary>
    public const int MixedWaitMicros = 50;

    private readonly List<Socket> _read = [];
    private readonly List<Socket> _write = [];
    private int _limitMicros = int.MaxValue;

    /// <summary>Peers wake this rank through its futex word (shared memory).</summary>
    public bool FutexWokenByPeers { get; set; }

    /// <summary>Empties the set for the next wait.</summary>
    public void Clear()
    {
        _read.Clear();
        _write.Clear();
        _limitMicros = int.MaxValue;
        FutexWokenByPeers = false;
    }

    public void AddReadable(Socket socket) => _read.Add(socket);

    public void AddWritable(Socket socket) => _write.Add(socket);

    /// <summary>Bounds the wait (a transport that cannot be woken by all of its events).</summary>
    public void Limit(int micros) => _limitMicros = Math.Min(_limitMicros, micros);

    /// <summary>After <see cref="Wait"/>: whether <paramref name="socket"/> was readable (the wait ended for it).</summary>
    public bool Fired(Socket socket) => _read.Contains(socket);

    /// <summary>Waits for a socket, the futex word to move from <paramref name="seen"/>, or
    /// <paramref name="timeoutMicros"/> (less if a transport bounded it).</summary>
    public unsafe void Wait(WakeSignal signal, int seen, int timeoutMicros)
    {
        int micros = Math.Min(timeoutMicros, _limitMicros);
        // Woken between the caller's last check and now (a transport armed its doorbell meanwhile:
        // a waker that bumped the word before seeing it armed rang nothing).
        if (Volatile.Read(ref *signal.Word) != seen) return;
        if (_read.Count == 0)
        {
            signal.Wait(seen, micros);
            return;
        }
        if (FutexWokenByPeers) micros = Math.Min(micros, MixedWaitMicros);
        try
        {
            Socket.Select(_read, _write.Count > 0 ? _write : null, null, micros);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }
}
