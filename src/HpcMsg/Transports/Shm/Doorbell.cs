using System.Net.Sockets;

namespace HpcMsg.Transports.Shm;

/// <summary>
/// A rank's doorbell: an abstract Unix datagram socket named after the node's segment and the rank's
/// index in it. A rank that waits on sockets too (it has peers on other hosts) arms it
/// (ShmLayout.DoorbellArmedOffset) and waits on it with its sockets, so that a node peer's wake ends
/// that one wait at once (a futex word cannot join a socket wait). A waker rings it only when it
/// woke a sleeper whose doorbell is armed: nothing per message. Abstract names need no file and
/// vanish with the socket; they are per network namespace, as the ranks of one node are.
/// </summary>
internal sealed class Doorbell : IDisposable
{
    private readonly byte[] _drain = new byte[16];

    private Doorbell(Socket socket) => Socket = socket;

    /// <summary>The socket a blocked rank waits on (readable when rung).</summary>
    public Socket Socket { get; }

    /// <summary>The address of local rank <paramref name="local"/>'s doorbell in the segment at <paramref name="segmentPath"/>.</summary>
    public static UnixDomainSocketEndPoint Address(string segmentPath, int local) => new("\0" + segmentPath + "#" + local);

    /// <summary>Binds this rank's doorbell; null if it cannot be (the rank then keeps its socket waits short).</summary>
    public static Doorbell? TryBind(UnixDomainSocketEndPoint address)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Bind(address);
            socket.Blocking = false;
            return new Doorbell(socket);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>Reads every ring waiting, so that the next wait blocks again.</summary>
    public void Silence()
    {
        while (true)
        {
            Socket.Receive(_drain, 0, _drain.Length, SocketFlags.None, out SocketError error);
            if (error != SocketError.Success) return; // WouldBlock: empty
        }
    }

    /// <summary>Rings the doorbell at <paramref name="address"/> through <paramref name="ringer"/> (any
    /// unbound datagram socket). Best effort: a full or missing doorbell means its owner is awake or gone.</summary>
    public static void Ring(Socket ringer, UnixDomainSocketEndPoint address)
    {
        try
        {
            ringer.SendTo(RingByte, SocketFlags.None, address);
        }
        catch (SocketException) { }
    }

    /// <summary>A non-blocking datagram socket to ring doorbells from.</summary>
    public static Socket NewRinger() => new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { Blocking = false };

    private static readonly byte[] RingByte = [1];

    public void Dispose() => Socket.Dispose();
}
