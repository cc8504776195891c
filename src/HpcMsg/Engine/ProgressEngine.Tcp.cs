using System.Net.Sockets;
using HpcMsg.Transports.Wire;
using HpcMsg.Transports.Tcp;

namespace HpcMsg.Engine;

/// <summary>
/// The protocols over TCP, for peers on other hosts: eager frames up to HPCMSG_TCP_EAGER_LIMIT, and
/// for larger messages request-to-send, clear-to-send, then one Data frame written from the sender's
/// buffer and read into the posted receive. Matching is the same as on shared memory.
/// </summary>
internal sealed unsafe partial class ProgressEngine : ITcpFrameSink
{
    /// <summary>Per peer on another host: what to do once the payload of the frame being read from it
    /// has arrived (the engine's side of <see cref="TcpConnection"/>'s receive state).</summary>
    private readonly TcpReceiveCompletion[] _arriving;

    int ITcpFrameSink.LocalRank => WorldRank;
    void ITcpFrameSink.OnFrameSent(TcpConnection c, in TcpFrame frame) => OnTcpFrameSent(c, frame);
    bool ITcpFrameSink.OnHeader(TcpConnection c, in RecordHeader header)
    {
        _arriving[c.PeerWorld] = default;
        OnTcpHeader(c, header);
        return _arriving[c.PeerWorld].Kind != TcpReceiveKind.None;
    }
    void ITcpFrameSink.OnPayloadDone(TcpConnection c) => OnTcpPayloadDone(c);

    /// <summary>HPCMSG_TCP_EAGER_LIMIT: largest message sent without a handshake over TCP; also the
    /// most an unexpected message from another host can make this rank allocate.</summary>
    private int TcpEagerLimit => Config.TcpEagerLimit;

    private List<Socket>? _sleepSockets;
    private List<Socket>? _sleepWriters;

    /// <summary>Longest socket wait of a rank that also has peers on its own host (whose futex wake-ups
    /// the socket wait cannot see).</summary>
    private const int MixedSleepMicros = 50;

    private bool IsRemote(int world) => _localOf[world] < 0 && world != WorldRank;

    /// <summary>Peers whose connection broke: receives posted for them are failed by every pass.</summary>
    private int _failedPeers;

    /// <summary>Set when a peer on another host announced Abort over its connection: the job is ending.</summary>
    private volatile JobAbortedException? _abortedByPeer;

    private bool ProgressTcp()
    {
        bool progressed = TakeOpenedConnections();
        foreach (TcpConnection? c in _remote)
        {
            if (c is null || !c.Usable) continue;
            try
            {
                if (c.HasPendingSends) progressed |= c.FlushSends(this);
                progressed |= c.Receive(this);
            }
            catch (Exception e) when (e is HpcMsgException or ObjectDisposedException)
            {
                // One broken peer must neither stop progress with the others nor leave a disposed
                // socket in the loop (the next pass threw ObjectDisposedException, and the await pump stopped).
                OnTcpPeerFailed(c, e);
                progressed = true;
            }
        }
        if (_failedPeers > 0) progressed |= FailReceivesFromFailedPeers();
        return progressed;
    }

    /// <summary>The connection to <paramref name="peer"/>, asked of the mesh on first use (a send to a
    /// peer this rank has not talked to yet): frames queue in it, in order, until it is open.
    /// Caller holds the lock.</summary>
    private TcpConnection Connection(int peer)
    {
        TcpConnection? c = _remote[peer];
        if (c is not null) return c;
        c = _remote[peer] = new TcpConnection(peer);
        _tcp!.Open(peer);
        return c;
    }

    /// <summary>Whether <paramref name="world"/> runs on this rank's host (talks through shared memory, never TCP).</summary>
    internal bool SharesHost(int world) => !IsRemote(world);

    /// <summary>The peers on other hosts this rank holds an open connection to, in rank order, and
    /// whether connections are still being opened (a declined crossing dial not yet closed): for tests
    /// and diagnostics (connections open on first use, so this is whom this rank has talked to).</summary>
    internal (int[] Peers, bool Opening) TcpConnectedPeers()
    {
        using (_lock.EnterScope())
        {
            if (_tcp is null) return ([], false);
            TakeOpenedConnections();
            var peers = new List<int>();
            for (int r = 0; r < _remote.Length; r++)
                if (_remote[r] is { Usable: true, Connected: true }) peers.Add(r);
            return ([.. peers], _tcp.Opening);
        }
    }

    /// <summary>Connections the mesh opened since the last pass (dialed by this rank, or dialed by
    /// a peer that sends first) join the loop; a dial that failed fails what involves its peer.
    /// Runs only while connections are being opened: nothing per message. Caller holds the lock.</summary>
    private bool TakeOpenedConnections()
    {
        bool any = false;
        while (_tcp!.TryTakeOpened(out TcpMesh.Opened opened))
        {
            any = true;
            TcpConnection c = _remote[opened.Peer] ??= new TcpConnection(opened.Peer);
            if (opened.Error is { } error)
            {
                if (c.Usable && !c.Connected) OnTcpPeerFailed(c, error);
                continue;
            }
            if (!c.Usable || c.Connected)
            {
                opened.Socket!.Dispose(); // its peer failed meanwhile (a second socket cannot happen: see TcpMesh)
                continue;
            }
            c.Attach(opened.Socket!);
            if (c.HasPendingSends) FlushTcp(c);
        }
        return any;
    }

    /// <summary>Writes what a connection takes now; a connection that breaks fails what involves its peer.</summary>
    private void FlushTcp(TcpConnection c)
    {
        try
        {
            c.FlushSends(this);
        }
        catch (Exception e) when (e is HpcMsgException or ObjectDisposedException)
        {
            OnTcpPeerFailed(c, e);
        }
    }

    /// <summary>
    /// A connection broke (the peer died, or broke the protocol): every operation that involves that
    /// peer fails with <see cref="RankFailedException"/> naming it: frames not yet written, the
    /// receive whose payload was arriving, large transfers under way with it, its unexpected messages
    /// that are incomplete or would need it to answer, and (every pass from now on) receives that
    /// name it. Operations with other peers go on. Caller holds the lock.
    /// </summary>
    private void OnTcpPeerFailed(TcpConnection c, Exception cause)
    {
        if (cause is RankFailedException rf && rf.FailedRank == c.PeerWorld) c.Fail(rf);
        else c.Malformed(WorldRank, cause.Message);
        int peer = c.PeerWorld;
        _failedPeers++;
        while (c.TryTakeUnsent(out TcpFrame frame))
        {
            if (frame.Owner is Request { CompletedFlag: false } r)
            {
                _rendezvous.Remove(r.RendezvousId);
                r.Complete(default, PeerFailure(c));
            }
        }
        TcpReceiveCompletion arriving = _arriving[peer];
        _arriving[peer] = default;
        if (arriving.Request is { CompletedFlag: false } target) target.Complete(default, PeerFailure(c));
        if (arriving.Message is { } partial)
        {
            // Queued at its header; its payload will never be whole.
            if (partial.Waiter is { } waiter) waiter.Complete(default, PeerFailure(c));
            else _unexpected.Remove(partial);
            _inboundPool.Return(partial);
        }
        List<long>? gone = null;
        foreach ((long id, Request r) in _rendezvous)
        {
            bool involves = r.Kind == RequestKind.Send ? r.Peer == peer : r.ReceiveInProgress && r.PeerWorld == peer;
            if (!involves) continue;
            (gone ??= []).Add(id);
            if (!r.CompletedFlag) r.Complete(default, PeerFailure(c));
        }
        if (gone is not null) foreach (long id in gone) _rendezvous.Remove(id);
        // A large message announced but not yet matched could only be fetched from the dead peer.
        InboundMessage? m = _unexpected.FirstFrom(peer);
        while (m is not null)
        {
            InboundMessage? next = m.SourceNext;
            if (m.Kind == InboundKind.Rendezvous)
            {
                _unexpected.Remove(m);
                _inboundPool.Return(m);
            }
            m = next;
        }
    }

    /// <summary>Fails the receives posted for a peer whose connection broke (one posted after the
    /// failure is failed by the next pass). Caller holds the lock.</summary>
    private bool FailReceivesFromFailedPeers()
    {
        bool any = false;
        foreach (TcpConnection? c in _remote)
        {
            if (c?.Failure is null) continue;
            Request? r;
            while ((r = _posted.TakeFirstFrom(c.PeerWorld)) is not null)
            {
                r.Complete(default, PeerFailure(c));
                any = true;
            }
        }
        return any;
    }

    /// <summary>A fresh exception for each failed operation (one instance thrown on several threads
    /// would have its stack trace overwritten), with the connection's reason.</summary>
    private RankFailedException PeerFailure(TcpConnection c) =>
        c.Failure is { } f
            ? new RankFailedException(f.FailedRank, f.Message)
            : new RankFailedException(c.PeerWorld, $"rank {WorldRank}: rank {c.PeerWorld} has closed its connection (it finalized)");

    /// <summary>The job is ending as a peer on another host announced (Abort), or as hpcrun said
    /// through the rendezvous connection; null while it runs.</summary>
    private HpcMsgException? RemoteJobEnding()
    {
        if (_abortedByPeer is { } a) return new JobAbortedException(a.AbortingRank, a.ErrorCode);
        if (_tcp?.LauncherWord is { } w) return w.ToException();
        return null;
    }

    /// <summary>Abort on a rank with peers on other hosts: an Abort frame to each of them, so that they
    /// throw <see cref="JobAbortedException"/> rather than see a connection break, and a word to
    /// hpcrun. Best effort within a bound: the process exits right after.</summary>
    public void AnnounceAbort(int errorCode)
    {
        if (_tcp is null || _disposed) return;
        _tcp.TellLauncherAbort(errorCode);
        using (_lock.EnterScope())
        {
            TakeOpenedConnections();
            var h = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Abort), Token1 = errorCode };
            foreach (TcpConnection? c in _remote)
            {
                if (c is { Usable: true }) c.Enqueue(new TcpFrame(h, null, 0, null));
            }
            FlushAllTcp(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>At finalize: a Bye frame to every peer on another host, so that the end of stream that
    /// follows is not taken for this rank's death. Caller holds the lock.</summary>
    private void SayByeLocked()
    {
        TakeOpenedConnections(); // a peer that connected to send to us hears our Bye too
        var h = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Bye) };
        foreach (TcpConnection? c in _remote)
        {
            if (c is { Usable: true }) c.Enqueue(new TcpFrame(h, null, 0, null));
        }
        FlushAllTcp(TimeSpan.FromSeconds(2));
    }

    /// <summary>Writes every connection's queued frames, for at most <paramref name="limit"/>. Caller holds the lock.</summary>
    private void FlushAllTcp(TimeSpan limit)
    {
        long deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        while (true)
        {
            bool pending = false;
            TakeOpenedConnections(); // frames queued for a connection still opening go out once it is open
            foreach (TcpConnection? c in _remote)
            {
                if (c is not { Usable: true, HasPendingSends: true }) continue;
                FlushTcp(c);
                pending |= c is { Usable: true, HasPendingSends: true };
            }
            if (!pending || Environment.TickCount64 > deadline) return;
            Thread.Yield();
        }
    }

    private void PostTcpSend(Request r)
    {
        TcpConnection c = Connection(r.Peer);
        if (!c.Usable)
        {
            r.Complete(default, PeerFailure(c));
            return;
        }
        var h = new RecordHeader { Context = r.Context, Source = r.SourceInComm, Tag = r.Tag, MessageBytes = r.BufferBytes };
        if (r.BufferBytes <= TcpEagerLimit)
        {
            h.LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Eager);
            c.Enqueue(new TcpFrame(h, r.Buffer, r.BufferBytes, r));
        }
        else
        {
            r.RendezvousId = NewRendezvousId();
            _rendezvous[r.RendezvousId] = r;
            h.LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Rts);
            h.Token2 = r.RendezvousId;
            c.Enqueue(new TcpFrame(h, null, 0, null));
        }
        FlushTcp(c);
    }

    private void SendTcpControl(int dest, RecordKind kind, long token1, long token2)
    {
        TcpConnection c = Connection(dest); // open already: the peer spoke to us first
        if (!c.Usable) return; // what this answers has failed (or will) with the peer
        var h = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, kind), Token1 = token1, Token2 = token2 };
        c.Enqueue(new TcpFrame(h, null, 0, null));
        FlushTcp(c);
    }

    /// <summary>After clear-to-send: the whole message in one Data frame, straight from the user's buffer.</summary>
    private void SendTcpData(Request send)
    {
        TcpConnection c = Connection(send.Peer);
        if (!c.Usable)
        {
            _rendezvous.Remove(send.RendezvousId);
            send.Complete(default, PeerFailure(c));
            return;
        }
        var h = new RecordHeader
        {
            LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Data),
            MessageBytes = send.BufferBytes,
            Token1 = send.RemoteReceiveId,
            Token2 = 0,
        };
        c.Enqueue(new TcpFrame(h, send.Buffer, send.BufferBytes, send));
        FlushTcp(c);
    }

    private void OnTcpFrameSent(TcpConnection c, in TcpFrame frame)
    {
        if (frame.Owner is not Request r) return;
        if (RecordHeader.KindOf(frame.Header.LengthAndKind) == RecordKind.Data) _rendezvous.Remove(r.RendezvousId);
        CompleteSend(r);
    }

    /// <summary>A frame header has arrived: check it against what the protocol allows, then match it
    /// or set where its payload goes. Nothing here trusts a length enough to allocate it unbounded.</summary>
    private void OnTcpHeader(TcpConnection c, RecordHeader h)
    {
        RecordKind kind = RecordHeader.KindOf(h.LengthAndKind);
        if (RecordHeader.RecordBytesOf(h.LengthAndKind) != RecordHeader.Size)
            throw c.Malformed(WorldRank, $"header length {RecordHeader.RecordBytesOf(h.LengthAndKind)}");
        int src = c.PeerWorld;
        switch (kind)
        {
            case RecordKind.Eager:
            {
                long n = h.MessageBytes;
                if (n < 0 || n > TcpEagerLimit) throw c.Malformed(WorldRank, $"an eager message of {n} bytes, the limit is {TcpEagerLimit}");
                Request? r = _posted.TakeMatch(h.Context, h.Source, src, h.Tag);
                _arriving[src] = new TcpReceiveCompletion { Request = r, Source = h.Source, Tag = h.Tag, Bytes = n };
                if (r is not null && n <= r.BufferBytes)
                {
                    _arriving[src].Kind = TcpReceiveKind.EagerMatched;
                    c.ExpectPayload(r.Buffer, n);
                }
                else if (r is not null)
                {
                    _arriving[src].Kind = TcpReceiveKind.EagerTruncated;
                    c.DiscardPayload(n);
                }
                else
                {
                    InboundMessage m = _inboundPool.Rent();
                    SetHeader(m, InboundKind.Eager, h.Context, h.Source, src, h.Tag, n);
                    m.Data = System.Buffers.ArrayPool<byte>.Shared.Rent((int)n);
                    _arriving[src].Kind = TcpReceiveKind.EagerUnexpected;
                    _arriving[src].Message = m;
                    c.ExpectPayload(m.Data, n);
                    // Queued now, not when complete: a receive posted meanwhile must not match a later message.
                    m.Arriving = n > 0;
                    _unexpected.Append(m);
                }
                break;
            }
            case RecordKind.Data:
            {
                if (!_rendezvous.TryGetValue(h.Token1, out Request? recv) || !recv.ReceiveInProgress)
                    throw c.Malformed(WorldRank, $"data for unknown receive {h.Token1}");
                if (h.Token2 != 0 || h.MessageBytes != recv.ExpectedBytes)
                    throw c.Malformed(WorldRank, $"data of {h.MessageBytes} bytes at {h.Token2} for a {recv.ExpectedBytes}-byte message");
                if (recv.Abandoned)
                {
                    // Its wait threw and its buffer is unpinned (ProgressEngine.Abandon): read and drop.
                    _rendezvous.Remove(h.Token1);
                    c.DiscardPayload(h.MessageBytes);
                    break;
                }
                _arriving[src] = new TcpReceiveCompletion { Kind = TcpReceiveKind.Data, Request = recv, Bytes = h.MessageBytes };
                c.ExpectPayload(recv.Buffer, h.MessageBytes);
                _rendezvous.Remove(h.Token1);
                break;
            }
            case RecordKind.Rts:
                if (h.MessageBytes < 0) throw c.Malformed(WorldRank, $"a request to send {h.MessageBytes} bytes");
                HandleRecord(src, &h, kind);
                break;
            case RecordKind.Cts:
            case RecordKind.Fin:
                if (!_rendezvous.TryGetValue(h.Token1, out Request? send) || send.Kind != RequestKind.Send)
                    throw c.Malformed(WorldRank, $"{kind} for unknown send {h.Token1}");
                HandleRecord(src, &h, kind);
                break;
            case RecordKind.Bye:
                c.PeerAnnouncedClose = true;
                break;
            case RecordKind.Abort:
                c.PeerAnnouncedClose = true;
                _abortedByPeer ??= new JobAbortedException(src, (int)h.Token1);
                break;
            default:
                throw c.Malformed(WorldRank, $"unknown frame kind {(int)kind}");
        }
    }

    private void OnTcpPayloadDone(TcpConnection c)
    {
        TcpReceiveCompletion done = _arriving[c.PeerWorld];
        _arriving[c.PeerWorld] = default;
        switch (done.Kind)
        {
            case TcpReceiveKind.EagerMatched:
                done.Request!.Complete(new Status(done.Source, done.Tag, done.Bytes, done.Request.ElementSize), null);
                break;
            case TcpReceiveKind.EagerTruncated:
                done.Request!.Complete(new Status(done.Source, done.Tag, done.Bytes, done.Request.ElementSize),
                    new MessageTruncatedException(done.Source, done.Tag, done.Bytes, done.Request.BufferBytes));
                break;
            case TcpReceiveKind.EagerUnexpected:
                InboundMessage m = done.Message!;
                m.Arriving = false;
                if (m.Dropped) _inboundPool.Return(m); // its receive was abandoned meanwhile
                else if (m.Waiter is { } waiter)
                {
                    fixed (byte* payload = m.Data) DeliverEager(waiter, m.Source, m.Tag, payload, m.Bytes);
                    _inboundPool.Return(m);
                }
                break;
            case TcpReceiveKind.Data:
                Request recv = done.Request!;
                recv.Complete(new Status(recv.MatchedSource, recv.MatchedTag, recv.ExpectedBytes, recv.ElementSize), null);
                break;
        }
    }

    /// <summary>Sleeping with peers on other hosts: wait until a socket is readable (or writable, for
    /// one with frames waiting to go out). Peers on this host wake a rank through its futex, which a
    /// socket wait cannot watch, so with both kinds of peer the wait is kept short.</summary>
    private void WaitForSockets()
    {
        _sleepSockets ??= new List<Socket>(WorldSize);
        _sleepWriters ??= new List<Socket>(WorldSize);
        _sleepSockets.Clear();
        _sleepWriters.Clear();
        foreach (TcpConnection? c in _remote)
        {
            if (c is not { Usable: true, Socket: { } socket }) continue;
            _sleepSockets.Add(socket);
            if (c.HasPendingSends) _sleepWriters.Add(socket);
        }
        // A connection opened (dialed by us, or by a peer that sends first) arrives through the mesh's
        // queue, which no socket wait sees: the mesh rings its bell then. Without a connection yet,
        // the wait stays as short as before connections were opened on first use (1 ms).
        int micros = _sleepSockets.Count == 0 ? Math.Min(1000, Config.SleepMicros) : _shm is null ? Config.SleepMicros : MixedSleepMicros;
        Socket? bell = _tcp!.Bell; // null in tests' meshes without a listener
        if (bell is not null) _sleepSockets.Add(bell);
        if (_sleepSockets.Count == 0)
        {
            Thread.Sleep(1);
            return;
        }
        try
        {
            Socket.Select(_sleepSockets, _sleepWriters.Count > 0 ? _sleepWriters : null, null, micros);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        if (bell is not null && _sleepSockets.Contains(bell)) _tcp.SilenceBell(); // the next pass takes what it announced
    }
}

internal enum TcpReceiveKind : byte { None, EagerMatched, EagerTruncated, EagerUnexpected, Data }

/// <summary>What to do once the current frame's payload from a peer has been read.</summary>
internal struct TcpReceiveCompletion
{
    public TcpReceiveKind Kind;
    public Request? Request;
    public InboundMessage? Message;
    public int Source;
    public int Tag;
    public long Bytes;
}
