using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using HpcMsg.Bootstrap;

namespace HpcMsg.Transports.Tcp;

/// <summary>
/// The job's TCP connections to ranks on other hosts, opened on first use: at Init each rank only
/// listens and publishes its endpoint through the job's channel (hpcrun's rendezvous or PMI); the
/// engine asks for a connection when it first sends to a peer (<see cref="Open"/>), the dial asks the
/// channel for that peer's endpoint, and a peer that sends first connects to us. A rank that talks to 4 of 4,096 peers holds 4 sockets (an all-to-all
/// wire-up at Init needed n - 1 of them in every rank, and ran out of descriptors near 1,000 ranks).
/// A receive needs no connection: its sender opens one.
/// <para>
/// One connection per pair, whoever opens it. Both may dial at once; then the lower rank's dial is
/// the pair's connection: after the handshake that proves the job secret (<see cref="JobAuth"/>) the
/// acceptor answers one byte, <see cref="Accepted"/> or <see cref="Declined"/>. An acceptor declines
/// only when it is dialing that peer itself and its own rank is lower (or it already holds the pair's
/// connection), so that exactly one of two crossing dials is accepted on both sides, without a third
/// message. A declined dialer drops its socket and waits for the peer's, which is on its way. Frames
/// queued meanwhile wait in the transport's <see cref="TcpConnection"/> (one queue per peer, so the
/// order of messages between a pair is kept). A single connection, rather than one per direction,
/// keeps a peer's failure one event and halves the descriptors.
/// </para>
/// <para>
/// No thread per connection: one acceptor thread takes sockets off the listener, and each dial and
/// each admission runs on a short-lived thread of its own (connect, handshake, verdict), then ends.
/// Its socket is non-blocking from the start and waited for with poll(2), in slices, within timeouts:
/// neither the runtime's asynchronous socket calls nor its blocking ones on a socket that was once
/// non-blocking (those it emulates over its own epoll) nor a blocking connect (done the same way).
/// Any of them registers the descriptor with the runtime's epoll thread for good (it deregisters
/// only at the close, and a dup would keep the registration), and then every segment that arrived
/// and every acknowledgement of one sent woke that thread, and thread-pool workers, for each message
/// on the engine's polled connection: on 2 cores they took the core from the polling ranks. Finished connections are handed to the
/// engine through a queue that its progress loop drains (<see cref="TryTakeOpened"/>), so the engine's
/// state is touched by the engine's lock holder only. Strangers are refused and logged.
/// </para>
/// </summary>
internal sealed class TcpMesh : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(60);
    internal const byte Accepted = 1;
    internal const byte Declined = 2;
    private readonly Socket _listener;
    private readonly IJobControl _control;
    private readonly byte[] _secret;
    private readonly int _rank;
    private readonly Func<int, bool> _isRemote;
    private readonly Lock _lock = new();
    private readonly PairState[] _state;
    private readonly ConcurrentQueue<Opened> _opened = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Socket _bellWriter;
    private volatile bool _disposed;
    private int _dialsInFlight;

    /// <summary>Readable when a connection has been opened for the engine: a rank asleep in its socket
    /// wait (which cannot see <see cref="TryTakeOpened"/>'s queue) wakes for a peer's first dial at once
    /// instead of at the end of its sleep. The read end of a socket pair in this process.</summary>
    public Socket Bell { get; }

    /// <summary>The engine's connection to each rank, null until first used. Owned by the engine
    /// (touched under its lock); the mesh only disposes them at the end.</summary>
    public TcpConnection?[] Connections { get; }

    /// <summary>What hpcrun said about the job's end through the rendezvous connection, or what the
    /// node ring learnt (<see cref="EndJob"/>); null: nothing yet.</summary>
    public JobEndWord? LauncherWord => Volatile.Read(ref _ringWord) ?? _control.LauncherWord;

    /// <summary>Tells hpcrun (or the process manager) that this rank aborts with <paramref name="errorCode"/>,
    /// and the node ring's neighbours (best effort).</summary>
    public void TellLauncherAbort(int errorCode)
    {
        Ring?.TellAbort(errorCode);
        _control.TellAbort(errorCode);
    }

    /// <summary>The job's channel alone (the ring ending the job: PMI abort).</summary>
    internal void TellControlAbort(int errorCode) => _control.TellAbort(errorCode);

    /// <summary>The liveness ring over the nodes' first ranks (<see cref="StartRing"/>), on a node's first rank only.</summary>
    public NodeRing? Ring { get; private set; }

    private JobEndWord? _ringWord;
    private readonly System.Threading.Channels.Channel<(int From, Socket Socket)> _ringLinks =
        System.Threading.Channels.Channel.CreateUnbounded<(int, Socket)>();

    /// <summary>Links this node's first rank into the ring (see <see cref="NodeRing"/>); at the mesh's
    /// Dispose (finalize) the ring is left, not closed: it relays until the process exits.</summary>
    public void StartRing(int previous, int next, Action<JobEndWord> onEnding) =>
        Ring = NodeRing.Link(this, _rank, previous, next, onEnding);

    /// <summary>The job is ending as the ring learnt: blocked calls of this rank throw (the engine reads
    /// <see cref="LauncherWord"/>), and a rank asleep in its socket wait is woken.</summary>
    internal void EndJob(JobEndWord word)
    {
        Interlocked.CompareExchange(ref _ringWord, word, null);
        using (_lock.EnterScope())
        {
            if (!_disposed) RingBell();
        }
    }

    internal byte[] Secret => _secret;

    /// <summary>The TCP endpoint <paramref name="rank"/> published (without its annex), asked of the
    /// job's channel on first use (<see cref="IJobControl.EndpointOfAsync"/>).</summary>
    internal async Task<string> EndpointOfAsync(int rank)
    {
        string published = await _control.EndpointOfAsync(rank).ConfigureAwait(false);
        int space = published.IndexOf(' ');
        return space < 0 ? published : published[..space];
    }

    /// <summary>What <paramref name="rank"/> published after its TCP endpoint (another transport's
    /// address, e.g. libfabric's: see <see cref="Establish"/>), or null; asked of the job's channel on
    /// first use, as a dial asks (<see cref="IJobControl.EndpointOfAsync"/>): the caller does not wait.</summary>
    internal async Task<string?> AnnexOf(int rank)
    {
        string published = await _control.EndpointOfAsync(rank).ConfigureAwait(false);
        int space = published.IndexOf(' ');
        return space < 0 ? null : published[(space + 1)..];
    }

    /// <summary>The address this rank listens on (the interface the job uses between hosts).</summary>
    public System.Net.IPAddress ListenAddress => ((IPEndPoint)_listener.LocalEndPoint!).Address;

    /// <summary>A ring link that a peer dialed (authenticated), for the ring; they queue until it asks.</summary>
    internal async Task<(int From, Socket Socket)> TakeRingLinkAsync(CancellationToken stop) =>
        await _ringLinks.Reader.ReadAsync(stop).ConfigureAwait(false);

    /// <summary>Connections are being opened (dials not yet answered, or opened ones the engine has
    /// not taken yet): a declined crossing dial closes a moment after the pair's connection opened.</summary>
    public bool Opening => Volatile.Read(ref _dialsInFlight) > 0 || !_opened.IsEmpty;

    /// <summary>Dials of this rank that the peer declined (its own crossing dial won): for tests.</summary>
    internal int DialsDeclined => Volatile.Read(ref _dialsDeclined);
    private int _dialsDeclined;

    private enum PairState : byte
    {
        /// <summary>Neither side has opened a connection yet (as far as this rank knows).</summary>
        None,
        /// <summary>This rank is dialing the peer and waits for its answer.</summary>
        Dialing,
        /// <summary>The peer declined this rank's dial: its own dial is the pair's connection, on its way.</summary>
        AwaitingPeer,
        /// <summary>The pair's connection is open (handed to the engine, or about to be).</summary>
        Connected,
        /// <summary>This rank's dial failed: the engine failed what involves the peer; a late dial from it is refused.</summary>
        Failed,
    }

    /// <summary>A connection opened (Socket set) or a dial that failed (Error set), for the engine.</summary>
    internal readonly record struct Opened(int Peer, Socket? Socket, TransportException? Error);

    private TcpMesh(JobEnvironment job, IJobControl control, Func<int, bool> isRemote)
    {
        _control = control;
        _secret = job.Secret!;
        _rank = job.Rank;
        _isRemote = isRemote;
        Connections = new TcpConnection?[job.Size];
        _state = new PairState[job.Size];
        IPAddress address = job.IfaceAddress is { Length: > 0 } given
            ? (IPAddress.TryParse(given, out IPAddress? parsed) ? parsed : throw TransportException.Error($"{JobEnvironment.IfaceAddressVar}='{given}' is not an IP address"))
            : job.Iface is { Length: > 0 } iface ? InterfaceAddress.Resolve(iface) : control.LocalAddress ?? throw TransportException.Error($"rank {job.Rank}: no address to listen on: set {JobEnvironment.IfaceVar} or {JobEnvironment.IfaceAddressVar}");
        (Bell, _bellWriter) = SocketPair();
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, 0));
        // Dials come on first use, spread over the run, not all at Init; the backlog only needs to
        // absorb a burst (a collective's first round), and the kernel caps it at somaxconn anyway.
        _listener.Listen(Math.Clamp(job.Size, 16, 4096));
    }

    /// <summary>Listens, and publishes this rank's endpoint through <paramref name="control"/> (which
    /// the mesh owns from here on); returns once every rank has published. Opens no connection, and
    /// learns no peer's endpoint: a dial asks for it (<see cref="EndpointOfAsync"/>).
    /// <paramref name="annex"/>, given the address the mesh listens on, returns text published after the
    /// endpoint and a space (another transport's address, read back with <see cref="AnnexOf"/>).</summary>
    public static TcpMesh Establish(JobEnvironment job, IJobControl control, Func<int, bool> isRemote, Func<IPAddress, string>? annex = null)
    {
        TcpMesh mesh;
        try { mesh = new TcpMesh(job, control, isRemote); }
        catch
        {
            control.Dispose();
            throw;
        }
        try
        {
            new Thread(mesh.AcceptLoop) { IsBackground = true, Name = "HpcMsg TCP acceptor" }.Start();
            string endpoint = mesh._listener.LocalEndPoint!.ToString()!;
            if (annex is not null) endpoint += " " + annex(mesh.ListenAddress);
            control.ExchangeEndpoints(endpoint);
            return mesh;
        }
        catch
        {
            mesh.Dispose();
            throw;
        }
    }

    /// <summary>The engine needs a connection to <paramref name="peer"/>: dial it unless one is open,
    /// being opened from either side, or on its way. The result comes through <see cref="TryTakeOpened"/>.</summary>
    public void Open(int peer)
    {
        using (_lock.EnterScope())
        {
            if (_disposed || _state[peer] != PairState.None) return;
            _state[peer] = PairState.Dialing;
            Interlocked.Increment(ref _dialsInFlight);
        }
        // The request for the peer's endpoint is written here, the rest waits on the dial's thread.
        Task<string> endpoint = EndpointOfAsync(peer);
        new Thread(() => Dial(peer, endpoint)) { IsBackground = true, Name = "HpcMsg TCP dial" }.Start();
    }

    /// <summary>A connection opened (or a dial failed) since the last call; the engine's progress loop drains these.</summary>
    public bool TryTakeOpened(out Opened opened) => _opened.TryDequeue(out opened);

    /// <summary>On a thread of its own (<see cref="Open"/>): first the peer's endpoint from the job's
    /// channel (hpcrun or PMI; the engine's caller was back as soon as the request was written), then
    /// the connect, the handshake and the verdict, polled (see the class comment).</summary>
    private void Dial(int peer, Task<string> published)
    {
        Socket? socket = null;
        string? endpoint = null;
        try
        {
            try { endpoint = published.WaitAsync(ConnectTimeout, _stop.Token).GetAwaiter().GetResult(); }
            catch (TimeoutException)
            {
                throw TransportException.Error($"the job's launcher did not give its endpoint within {ConnectTimeout.TotalSeconds:F0} s");
            }
            if (!IPEndPoint.TryParse(endpoint, out IPEndPoint? target))
                throw TransportException.Error($"rank {peer} published a malformed endpoint '{endpoint}'");
            socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            using CancellationTokenRegistration stop = _stop.Token.Register(static s => ((Socket)s!).Dispose(), socket);
            ConnectWithin(socket, target, endpoint);
            JobAuth.ConnectPolled(socket, _secret, _rank);
            Span<byte> verdict = stackalloc byte[1];
            JobAuth.ReceiveAllPolled(socket, verdict, Environment.TickCount64 + (long)JobAuth.HandshakeTimeout.TotalMilliseconds);
            bool mine = verdict[0] == Accepted;
            if (!mine && verdict[0] != Declined) throw new AuthenticationFailedException($"rank {peer} answered the dial with {verdict[0]}");
            using (_lock.EnterScope())
            {
                if (_disposed) throw new ObjectDisposedException(nameof(TcpMesh));
                if (mine)
                {
                    _state[peer] = PairState.Connected;
                    _opened.Enqueue(new Opened(peer, socket, null));
                    RingBell();
                    socket = null;
                }
                else
                {
                    // Declined: the peer's own dial is the pair's connection; it may even be here already.
                    _dialsDeclined++;
                    if (_state[peer] == PairState.Dialing) _state[peer] = PairState.AwaitingPeer;
                }
            }
        }
        catch (Exception e) when (e is TransportException or SocketException or ObjectDisposedException or OperationCanceledException || BootstrapFailure.Is(e))
        {
            using (_lock.EnterScope())
            {
                if (_state[peer] == PairState.Dialing) _state[peer] = PairState.Failed;
            }
            Publish(new Opened(peer, null, TransportException.PeerLost(peer, $"rank {_rank}: cannot connect to rank {peer}{(endpoint is null ? "" : $" at {endpoint}")}: {e.Message}")));
        }
        finally
        {
            socket?.Dispose();
            Interlocked.Decrement(ref _dialsInFlight);
        }
    }

    /// <summary>A non-blocking connect, then a wait for it in slices (so that Dispose stops it),
    /// bounded by <see cref="ConnectTimeout"/>. The socket stays non-blocking: made blocking again,
    /// the runtime would emulate its blocking calls over its epoll thread, registering it.</summary>
    private void ConnectWithin(Socket socket, IPEndPoint target, string endpoint)
    {
        socket.Blocking = false;
        try { socket.Connect(target); }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress) { }
        long deadline = Environment.TickCount64 + (long)ConnectTimeout.TotalMilliseconds;
        while (!socket.Poll(TimeSpan.FromMilliseconds(100), SelectMode.SelectWrite))
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            if (Environment.TickCount64 > deadline)
                throw TransportException.Error($"no answer from {endpoint} within {ConnectTimeout.TotalSeconds:F0} s (is a firewall in the way, or --iface wrong?)");
        }
        if (socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int error and not 0)
            throw TransportException.Error($"no connection to {endpoint} ({(Enum.IsDefined((SocketError)error) ? (SocketError)error : Marshal.GetPInvokeErrorMessage(error))})");
        _ = socket.Connected; // settles the socket's state after a non-blocking connect (its RemoteEndPoint)
    }

    private void AcceptLoop()
    {
        while (!_disposed)
        {
            Socket socket;
            try { socket = _listener.Accept(); }
            catch (Exception) when (_disposed) { return; }
            catch (SocketException) { continue; }
            catch (ObjectDisposedException) { return; }
            new Thread(() => Admit(socket)) { IsBackground = true, Name = "HpcMsg TCP admission" }.Start();
        }
    }

    /// <summary>A dial from another rank, on a thread of its own with polled calls (see the class
    /// comment): prove the secret both ways, then accept it as the pair's connection or decline it.</summary>
    private void Admit(Socket socket)
    {
        string from = "?";
        using CancellationTokenRegistration stop = _stop.Token.Register(static s => ((Socket)s!).Dispose(), socket);
        try
        {
            from = socket.RemoteEndPoint?.ToString() ?? "?";
            socket.Blocking = false;
            int peer = JobAuth.AcceptPolled(socket, _secret);
            long deadline = Environment.TickCount64 + (long)JobAuth.HandshakeTimeout.TotalMilliseconds;
            if (NodeRing.ClaimedRank(peer) is int leader and >= 0)
            {
                if (leader >= _state.Length || leader == _rank || !_isRemote(leader))
                    throw new AuthenticationFailedException($"rank {leader} is not expected to link the node ring to rank {_rank}");
                JobAuth.SendAllPolled(socket, [Accepted], deadline);
                socket.Blocking = true; // the ring's: its words are sent with blocking calls (and its watch is asynchronous)
                if (_disposed || !_ringLinks.Writer.TryWrite((leader, socket))) socket.Dispose();
                return;
            }
            if ((uint)peer >= (uint)_state.Length || peer == _rank || !_isRemote(peer))
                throw new AuthenticationFailedException($"rank {peer} is not expected to connect to rank {_rank}");
            bool accept;
            using (_lock.EnterScope())
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                PairState s = _state[peer];
                accept = s is PairState.None or PairState.AwaitingPeer || (s == PairState.Dialing && peer < _rank);
                if (accept) _state[peer] = PairState.Connected;
            }
            try { JobAuth.SendAllPolled(socket, [accept ? Accepted : Declined], deadline); }
            catch (Exception e) when (accept && e is SocketException or ObjectDisposedException)
            {
                // The pair's connection broke as it opened: the engine fails what involves that peer.
                Publish(new Opened(peer, null, TransportException.PeerLost(peer, $"rank {_rank}: the connection from rank {peer} broke as it opened: {e.Message}")));
                throw;
            }
            if (!accept)
            {
                socket.Dispose();
                return;
            }
            // Queued only once the verdict is out: the engine's first frame must not precede it.
            if (!Publish(new Opened(peer, socket, null))) socket.Dispose();
        }
        catch (Exception e) when (e is TransportException or SocketException or ObjectDisposedException or OperationCanceledException || BootstrapFailure.Is(e))
        {
            if (!_disposed)
            {
                Console.Error.WriteLine($"hpcmsg: rank {_rank} refused a connection from {from}: {e.Message}");
                Console.Error.Flush();
            }
            socket.Dispose();
        }
    }

    /// <summary>Hands an opened connection (or a failure) to the engine; false once disposed (the caller closes the socket).</summary>
    private bool Publish(Opened opened)
    {
        using (_lock.EnterScope())
        {
            if (_disposed) return false;
            _opened.Enqueue(opened);
            RingBell();
            return true;
        }
    }

    /// <summary>One byte into the bell (a full bell already rings). Caller holds the mesh's lock.</summary>
    private void RingBell()
    {
        Span<byte> one = [1];
        _bellWriter.Send(one, SocketFlags.None, out SocketError _);
    }

    /// <summary>Empties the bell once the engine's wait saw it readable (bytes only wake; the queue holds the news).</summary>
    public void SilenceBell()
    {
        Span<byte> sink = stackalloc byte[64];
        try
        {
            while (Bell.Receive(sink, SocketFlags.None, out SocketError error) > 0 && error == SocketError.Success) { }
        }
        catch (ObjectDisposedException) { }
    }

    /// <summary>A connected pair of local stream sockets, non-blocking (Linux: an abstract Unix socket
    /// name, unique to this mesh and gone with it).</summary>
    private static (Socket Reader, Socket Writer) SocketPair()
    {
        var endpoint = new UnixDomainSocketEndPoint("\0hpcmsg-bell-" + Guid.NewGuid().ToString("N"));
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(endpoint);
        listener.Listen(1);
        var writer = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            writer.Connect(endpoint);
            Socket reader = listener.Accept();
            reader.Blocking = false;
            writer.Blocking = false;
            return (reader, writer);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        Ring?.Leave(); // a failure it saw ends the job before the channel closes; it relays until the exit
        using (_lock.EnterScope()) _disposed = true;
        _stop.Cancel();
        _ringLinks.Writer.TryComplete();
        while (_ringLinks.Reader.TryRead(out (int, Socket Socket) link)) link.Socket.Dispose();
        _listener.Dispose();
        foreach (TcpConnection? c in Connections) c?.Dispose();
        while (_opened.TryDequeue(out Opened o)) o.Socket?.Dispose();
        Bell.Dispose();
        _bellWriter.Dispose();
        _control.Dispose();
    }
}

/// <summary>Turns --iface (an interface name or an IPv4 range in CIDR form) into a local address.</summary>
internal static class InterfaceAddress
{
    public static IPAddress Resolve(string iface)
    {
        IPNetwork? range = IPNetwork.TryParse(iface, out IPNetwork parsed) ? parsed : null;
        foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (UnicastIPAddressInformation a in nic.GetIPProperties().UnicastAddresses)
            {
                if (a.Address.AddressFamily != AddressFamily.InterNetwork) continue;
                if (range is { } r ? r.Contains(a.Address) : nic.Name == iface) return a.Address;
            }
        }
        throw TransportException.Error($"{JobEnvironment.IfaceVar}='{iface}': no local IPv4 address on that interface or in that range");
    }
}
