using System.Net.Sockets;
using HpcMsg.Internal;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Transports.Tcp;

/// <summary>
/// The TCP transport of one rank: the only TCP type the engine names. It owns the mesh (connections
/// opened on first use) and every connection; it builds the frames (eager, request-to-send, control,
/// data, and its own Bye and Abort), drives the sockets, takes connections the mesh opened, keeps the
/// connection-level protocol (header length, orderly close, a peer's abort) and turns a broken
/// connection into one failure per peer. What arrives, what has been written and which peer failed
/// go to the engine's <see cref="IFrameSink"/>; frames carry the engine's objects opaquely.
/// </summary>
internal sealed unsafe class TcpTransport : ITransport, ITcpFrameSink
{
    private readonly TcpMesh _mesh;
    private readonly TcpConnection?[] _connections;
    private readonly int _rank;
    private readonly List<int> _failed = [];
    private IFrameSink? _sink;

    /// <summary>Set when a peer announced Abort over its connection: the job is ending.</summary>
    private volatile TransportException? _abortedByPeer;

    /// <param name="mesh">The job's listener and dials (the transport owns it from here on).</param>
    /// <param name="worldRank">This rank.</param>
    public TcpTransport(TcpMesh mesh, int worldRank)
    {
        _mesh = mesh;
        _connections = mesh.Connections;
        _rank = worldRank;
    }

    public string Name => "tcp";

    /// <summary>Every other rank: the engine routes to this transport the peers no other one reaches.</summary>
    public bool Reaches(int peer) => peer != _rank;

    /// <summary>Where arrivals and failures go (the engine, once, before any traffic).</summary>
    public void Attach(IRecordSink records, IFrameSink frames) => _sink = frames;

    /// <summary>Sockets may have data at any time: a pass is always worth it.</summary>
    public bool MayHaveWork => true;

    private IFrameSink Sink => _sink ?? throw new InvalidOperationException("the TCP transport has no sink attached");

    /// <summary>Dials of this rank that the peer declined (its own crossing dial won): for tests.</summary>
    internal int DialsDeclined => _mesh.DialsDeclined;

    /// <summary>Peers whose connection broke, in the order they failed (receives naming them fail).</summary>
    public IReadOnlyList<int> FailedPeers => _failed;

    /// <summary>One pass: take opened connections, write what waits, read what arrived. A connection that
    /// breaks is failed (reported to the sink) and progress goes on with the others.</summary>
    public bool Progress()
    {
        bool progressed = TakeOpenedConnections();
        foreach (TcpConnection? c in _connections)
        {
            if (c is null || !c.Usable) continue;
            try
            {
                if (c.HasPendingSends) progressed |= c.FlushSends(this);
                progressed |= c.Receive(this);
            }
            catch (Exception e) when (e is TransportException or ObjectDisposedException)
            {
                // One broken peer must neither stop progress with the others nor leave a disposed
                // socket in the loop (the next pass threw ObjectDisposedException, and the await pump stopped).
                PeerFailed(c, e);
                progressed = true;
            }
        }
        return progressed;
    }

    /// <summary>An eager message: header and payload in one frame, written from <paramref name="data"/>;
    /// pending until written (<see cref="IFrameSink.OnSent"/>).</summary>
    public SendOutcome SendEager(int peer, int context, int source, int tag, byte* data, long bytes, object owner)
    {
        TcpConnection c = Connection(peer);
        if (!c.Usable) return SendOutcome.PeerGone;
        var h = new RecordHeader
        {
            LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Eager),
            Context = context, Source = source, Tag = tag, MessageBytes = bytes,
        };
        c.Enqueue(new TcpFrame(h, data, bytes, owner));
        Flush(c);
        return SendOutcome.Pending;
    }

    /// <summary>Announces a large message (its data follows a clear-to-send: <see cref="SendLarge"/>).
    /// The address is not sent: a peer on another host cannot read this process's memory.</summary>
    public SendOutcome SendRequestToSend(int peer, int context, int source, int tag, long bytes, long address, long sendId)
    {
        TcpConnection c = Connection(peer);
        if (!c.Usable) return SendOutcome.PeerGone;
        var h = new RecordHeader
        {
            LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Rts),
            Context = context, Source = source, Tag = tag, MessageBytes = bytes, Token2 = sendId,
        };
        c.Enqueue(new TcpFrame(h, null, 0, null));
        Flush(c);
        return SendOutcome.Done;
    }

    /// <summary>A control frame (clear-to-send, fin); dropped when the connection is gone (what it
    /// answers has failed, or will, with the peer).</summary>
    public SendOutcome SendControl(int peer, RecordKind kind, long token1, long token2)
    {
        TcpConnection c = Connection(peer); // open already: the peer spoke to us first
        if (!c.Usable) return SendOutcome.PeerGone;
        var h = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, kind), Token1 = token1, Token2 = token2 };
        c.Enqueue(new TcpFrame(h, null, 0, null));
        Flush(c);
        return SendOutcome.Done;
    }

    /// <summary>After clear-to-send: the whole message in one Data frame, straight from the sender's
    /// buffer; pending until written (<see cref="IFrameSink.OnSent"/>).</summary>
    public SendOutcome SendLarge(int peer, long receiveId, byte* data, long bytes, ref long offset, object owner)
    {
        TcpConnection c = Connection(peer);
        if (!c.Usable) return SendOutcome.PeerGone;
        var h = new RecordHeader
        {
            LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Data),
            MessageBytes = bytes,
            Token1 = receiveId,
            Token2 = 0,
        };
        c.Enqueue(new TcpFrame(h, data, bytes, owner));
        offset = bytes;
        Flush(c);
        return SendOutcome.Pending;
    }

    /// <summary>The receive that <paramref name="peer"/>'s current payload goes to was abandoned (its
    /// buffer is no longer pinned): read the rest and drop it.</summary>
    public void DiscardRestOfPayload(int peer) => _connections[peer]?.DiscardRestOfPayload();

    /// <summary>An abandoned send's payload now lives at <paramref name="copy"/>: its frames not yet
    /// fully written take it from there.</summary>
    public void RetargetPayload(int peer, object owner, byte* copy) => _connections[peer]?.RetargetPayload(owner, copy);

    /// <summary>A fresh exception for each failed operation with <paramref name="peer"/> (one instance
    /// thrown on several threads would have its stack trace overwritten), with the connection's reason.</summary>
    public TransportException PeerFailure(int peer)
    {
        TcpConnection? c = _connections[peer];
        return c?.Failure is { } f
            ? TransportException.PeerLost(f.Rank, f.Message)
            : TransportException.PeerLost(peer, $"rank {_rank}: rank {peer} has closed its connection (it finalized)");
    }

    /// <summary>The job is ending as a peer announced (Abort), or as hpcrun said through the
    /// rendezvous connection; null while it runs.</summary>
    public TransportException? JobEndingError()
    {
        if (_abortedByPeer is { } a) return TransportException.JobAborted(a.Rank, a.Code);
        if (_mesh.LauncherWord is { } w) return TransportException.JobEnding(w.Aborted, w.Rank, w.ExitCode);
        return null;
    }

    /// <summary>The peers this rank holds an open connection to, in rank order, and whether
    /// connections are still being opened (for tests and diagnostics).</summary>
    public (int[] Peers, bool Opening) ConnectedPeers()
    {
        TakeOpenedConnections();
        var peers = new List<int>();
        for (int r = 0; r < _connections.Length; r++)
            if (_connections[r] is { Usable: true, Connected: true }) peers.Add(r);
        return ([.. peers], _mesh.Opening);
    }

    /// <summary>Tells hpcrun, through the rendezvous connection, that this rank aborts (best effort;
    /// needs no lock of the caller's).</summary>
    public void TellLauncherAbort(int errorCode) => _mesh.TellLauncherAbort(errorCode);

    void ITransport.BeginAbort(int errorCode) => TellLauncherAbort(errorCode);

    /// <summary>Abort: an Abort frame to each peer, so that their blocked calls fail as aborted
    /// rather than see a connection break. Best effort within a bound.</summary>
    public void AnnounceAbort(int errorCode)
    {
        TakeOpenedConnections();
        var h = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Abort), Token1 = errorCode };
        foreach (TcpConnection? c in _connections)
        {
            if (c is { Usable: true }) c.Enqueue(new TcpFrame(h, null, 0, null));
        }
        FlushAll(TimeSpan.FromSeconds(1));
    }

    /// <summary>At finalize: a Bye frame to every peer, so that the end of stream that follows is not
    /// taken for this rank's death.</summary>
    private void SayBye()
    {
        TakeOpenedConnections(); // a peer that connected to send to us hears our Bye too
        var h = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Bye) };
        foreach (TcpConnection? c in _connections)
        {
            if (c is { Usable: true }) c.Enqueue(new TcpFrame(h, null, 0, null));
        }
        FlushAll(TimeSpan.FromSeconds(2));
    }

    /// <summary>What a blocked rank waits on for TCP: each open connection's socket (readable; writable
    /// too while frames wait to go out) and the mesh's bell. A connection opened (dialed by us, or by a
    /// peer that sends first) arrives through the mesh's queue, which no socket wait sees: the mesh
    /// rings its bell then. Without a connection yet, the wait stays as short as before connections
    /// were opened on first use (1 ms).</summary>
    public void CollectWaits(WaitSet set)
    {
        bool any = false;
        foreach (TcpConnection? c in _connections)
        {
            if (c is not { Usable: true, Socket: { } socket }) continue;
            any = true;
            set.AddReadable(socket);
            if (c.HasPendingSends) set.AddWritable(socket);
        }
        if (!any) set.Limit(1000);
        if (_mesh.Bell is { } bell) set.AddReadable(bell); // null in tests' meshes without a listener
    }

    /// <summary>The bell rang: silence it; the next pass takes what it announced.</summary>
    public void AfterWait(WaitSet set)
    {
        if (_mesh.Bell is { } bell && set.Fired(bell)) _mesh.SilenceBell();
    }

    /// <summary>Finalize: Bye to every peer, then the mesh and its connections go.</summary>
    public void Close()
    {
        SayBye();
        _mesh.Dispose();
    }

    /// <summary>The connection to <paramref name="peer"/>, asked of the mesh on first use: frames queue
    /// in it, in order, until it is open.</summary>
    private TcpConnection Connection(int peer)
    {
        TcpConnection? c = _connections[peer];
        if (c is not null) return c;
        c = _connections[peer] = new TcpConnection(peer);
        _mesh.Open(peer);
        return c;
    }

    /// <summary>Connections the mesh opened since the last pass join the loop; a dial that failed fails
    /// what involves its peer. Runs only while connections are being opened: nothing per message.</summary>
    private bool TakeOpenedConnections()
    {
        bool any = false;
        while (_mesh.TryTakeOpened(out TcpMesh.Opened opened))
        {
            any = true;
            TcpConnection c = _connections[opened.Peer] ??= new TcpConnection(opened.Peer);
            if (opened.Error is { } error)
            {
                if (c.Usable && !c.Connected) PeerFailed(c, error);
                continue;
            }
            if (!c.Usable || c.Connected)
            {
                opened.Socket!.Dispose(); // its peer failed meanwhile (a second socket cannot happen: see TcpMesh)
                continue;
            }
            c.Attach(opened.Socket!);
            if (c.HasPendingSends) Flush(c);
        }
        return any;
    }

    /// <summary>Writes what a connection takes now; a connection that breaks fails what involves its peer.</summary>
    private void Flush(TcpConnection c)
    {
        try
        {
            c.FlushSends(this);
        }
        catch (Exception e) when (e is TransportException or ObjectDisposedException)
        {
            PeerFailed(c, e);
        }
    }

    /// <summary>Writes every connection's queued frames, for at most <paramref name="limit"/>.</summary>
    private void FlushAll(TimeSpan limit)
    {
        long deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        while (true)
        {
            bool pending = false;
            TakeOpenedConnections(); // frames queued for a connection still opening go out once it is open
            foreach (TcpConnection? c in _connections)
            {
                if (c is not { Usable: true, HasPendingSends: true }) continue;
                Flush(c);
                pending |= c is { Usable: true, HasPendingSends: true };
            }
            if (!pending || Environment.TickCount64 > deadline) return;
            Thread.Yield();
        }
    }

    /// <summary>A connection broke (the peer died, or broke the protocol): it is marked failed with the
    /// reason, the owners of its unwritten frames are handed back, and the sink fails the rest.</summary>
    private void PeerFailed(TcpConnection c, Exception cause)
    {
        if (cause is TransportException { Kind: TransportFailureKind.PeerLost } lost && lost.Rank == c.PeerWorld) c.Fail(lost);
        else c.Malformed(_rank, cause.Message);
        _failed.Add(c.PeerWorld);
        while (c.TryTakeUnsent(out TcpFrame frame))
        {
            if (frame.Owner is { } owner) Sink.OnUnsent(c.PeerWorld, owner);
        }
        Sink.OnPeerFailed(c.PeerWorld);
    }

    int ITcpFrameSink.LocalRank => _rank;

    void ITcpFrameSink.OnFrameSent(TcpConnection c, in TcpFrame frame)
    {
        if (frame.Owner is { } owner) Sink.OnSent(c.PeerWorld, owner, RecordHeader.KindOf(frame.Header.LengthAndKind));
    }

    /// <summary>The connection-level checks and frames (header length, Bye, Abort) here; the rest is the sink's.</summary>
    bool ITcpFrameSink.OnHeader(TcpConnection c, in RecordHeader header)
    {
        if (RecordHeader.RecordBytesOf(header.LengthAndKind) != RecordHeader.Size)
            throw c.Malformed(_rank, $"header length {RecordHeader.RecordBytesOf(header.LengthAndKind)}");
        if (RecordHeader.HasHighBits(header.LengthAndKind))
            throw c.Malformed(_rank, $"header word 0x{header.LengthAndKind:x16} (bits 40-63 set)");
        switch (RecordHeader.KindOf(header.LengthAndKind))
        {
            case RecordKind.Bye:
                c.PeerAnnouncedClose = true;
                return false;
            case RecordKind.Abort:
                c.PeerAnnouncedClose = true;
                _abortedByPeer ??= TransportException.JobAborted(c.PeerWorld, (int)header.Token1);
                return false;
        }
        PayloadTarget target = Sink.OnHeader(c.PeerWorld, header);
        if (target.Discard) c.DiscardPayload(target.Length);
        else if (target.Managed is not null) c.ExpectPayload(target.Managed, target.Length);
        else if (target.Native != null || target.Length > 0) c.ExpectPayload(target.Native, target.Length);
        return target.Notify;
    }

    void ITcpFrameSink.OnPayloadDone(TcpConnection c) => Sink.OnPayloadDone(c.PeerWorld);
}
