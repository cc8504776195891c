using HpcMsg.Transports;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Engine;

/// <summary>
/// The engine's side of the transports that stream frames (TCP: peers on other hosts): eager frames up
/// to HPCMSG_TCP_EAGER_LIMIT, and for larger messages request-to-send, clear-to-send, then the data
/// carried the transport's way (one frame written from the sender's buffer and read into the posted
/// receive). Matching is the same as on shared memory. Such a transport reports through
/// <see cref="IFrameSink"/>, which the engine implements here: where each payload goes, what
/// completes, which peer failed.
/// </summary>
internal sealed unsafe partial class ProgressEngine : IFrameSink
{
    /// <summary>Per peer on another host: what to do once the payload of the frame being read from it
    /// has arrived.</summary>
    private readonly ArrivingFrame[] _arriving;

    /// <summary>One pass of every transport but shared memory (which the engine drains directly), then
    /// the receives that name a peer one of them lost.</summary>
    private bool ProgressNetworks()
    {
        bool progressed = false;
        foreach (ITransport t in _networks)
        {
            progressed |= t.Progress();
            if (t.FailedPeers.Count > 0) progressed |= FailReceivesFromFailedPeers(t);
        }
        return progressed;
    }

    /// <summary>Whether <paramref name="world"/> is this rank or a rank of its node (talks through shared memory).</summary>
    internal bool SharesHost(int world) => world == WorldRank || (_node is { } node && ReferenceEquals(_route[world], node));

    /// <summary>The peers this rank holds an open network connection to, in rank order, and whether
    /// connections are still being opened (a declined crossing dial not yet closed): for tests and
    /// diagnostics (connections open on first use, so this is whom this rank has talked to).</summary>
    internal (int[] Peers, bool Opening) TcpConnectedPeers()
    {
        using (_lock.EnterScope())
        {
            var peers = new SortedSet<int>();
            bool opening = false;
            foreach (ITransport t in _networks)
            {
                (int[] p, bool o) = t.ConnectedPeers();
                peers.UnionWith(p);
                opening |= o;
            }
            return ([.. peers], opening);
        }
    }

    void IFrameSink.OnUnsent(int peer, object owner)
    {
        if (owner is Operation { CompletedFlag: false } r)
        {
            _rendezvous.Remove(r.State.RendezvousId);
            r.Complete(default, Route(peer).PeerFailure(peer).ToPublic());
        }
    }

    /// <summary>
    /// A connection broke (the peer died, or broke the protocol): every operation that involves that
    /// peer fails with <see cref="RankFailedException"/> naming it: frames not yet written (handed back
    /// before this, <see cref="IFrameSink.OnUnsent"/>), the receive whose payload was arriving, large
    /// transfers under way with it, its unexpected messages that are incomplete or would need it to
    /// answer, and (every pass from now on) receives that name it. Operations with other peers go on.
    /// Caller holds the lock.
    /// </summary>
    void IFrameSink.OnPeerFailed(int peer)
    {
        ArrivingFrame arriving = _arriving[peer];
        _arriving[peer] = default;
        if (arriving.Operation is { CompletedFlag: false } target) target.Complete(default, Route(peer).PeerFailure(peer).ToPublic());
        if (arriving.Message is { } partial)
        {
            // Queued at its header; its payload will never be whole.
            if (partial.Waiter is { } waiter) waiter.Complete(default, Route(peer).PeerFailure(peer).ToPublic());
            else if (!partial.Dropped) _unexpected.Remove(partial); // a dropped one is out of the queue already
            _inboundPool.Return(partial);
        }
        List<long>? gone = null;
        foreach ((long id, Operation r) in _rendezvous)
        {
            bool involves = r.State.Kind == RequestKind.Send ? r.State.Peer == peer : r.State.ReceiveInProgress && r.State.PeerWorld == peer;
            if (!involves) continue;
            (gone ??= []).Add(id);
            if (!r.CompletedFlag) r.Complete(default, Route(peer).PeerFailure(peer).ToPublic());
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
    private bool FailReceivesFromFailedPeers(ITransport t)
    {
        bool any = false;
        foreach (int peer in t.FailedPeers)
        {
            Operation? r;
            while ((r = _posted.TakeFirstFrom(peer)) is not null)
            {
                r.Complete(default, t.PeerFailure(peer).ToPublic());
                any = true;
            }
        }
        return any;
    }

    /// <summary>The job is ending as a peer on another host announced (Abort), or as hpcrun said
    /// through the rendezvous connection; null while it runs.</summary>
    private HpcMsgException? RemoteJobEnding()
    {
        foreach (ITransport t in _networks)
        {
            if (t.JobEndingError() is { } e) return e.ToPublic();
        }
        return null;
    }

    /// <summary>Abort on a rank with peers on other hosts: an Abort frame to each of them, so that they
    /// throw <see cref="JobAbortedException"/> rather than see a connection break, and a word to
    /// hpcrun. Best effort within a bound: the process exits right after.</summary>
    public void AnnounceAbort(int errorCode)
    {
        if (_networks.Length == 0 || _disposed) return;
        foreach (ITransport t in _networks) t.BeginAbort(errorCode);
        using (_lock.EnterScope())
        {
            foreach (ITransport t in _networks) t.AnnounceAbort(errorCode);
        }
    }

    void IFrameSink.OnSent(int peer, object owner, RecordKind kind)
    {
        if (owner is not Operation r) return;
        if (kind == RecordKind.Data) _rendezvous.Remove(r.State.RendezvousId);
        CompleteSend(r);
    }

    /// <summary>A frame header has arrived: check it against what the protocol allows, then match it
    /// and say where its payload goes. Nothing here trusts a length enough to allocate it unbounded;
    /// a header that breaks the protocol throws (a <see cref="TransportException"/>), and the transport closes the connection as malformed.</summary>
    PayloadTarget IFrameSink.OnHeader(int src, in RecordHeader header)
    {
        RecordHeader h = header;
        RecordKind kind = RecordHeader.KindOf(h.LengthAndKind);
        _arriving[src] = default;
        switch (kind)
        {
            case RecordKind.Eager:
            {
                long n = h.MessageBytes;
                if (n < 0 || n > _eagerLimitOf[src]) throw TransportException.Error($"an eager message of {n} bytes, the limit is {_eagerLimitOf[src]}");
                Operation? r = _posted.TakeMatch(h.Context, h.Source, src, h.Tag);
                _arriving[src] = new ArrivingFrame { Operation = r, Source = h.Source, Tag = h.Tag, Bytes = n };
                if (r is not null && n <= r.State.BufferBytes)
                {
                    _arriving[src].Kind = ArrivingKind.EagerMatched;
                    PinReceiveBuffer(r); // the transport reads the payload in over later passes
                    return PayloadTarget.Into(r.State.Buffer, n);
                }
                if (r is not null)
                {
                    _arriving[src].Kind = ArrivingKind.EagerTruncated;
                    return PayloadTarget.Dropped(n, notify: true);
                }
                InboundMessage m = _inboundPool.Rent();
                SetHeader(m, InboundKind.Eager, h.Context, h.Source, src, h.Tag, n);
                m.Data = System.Buffers.ArrayPool<byte>.Shared.Rent((int)n);
                _arriving[src].Kind = ArrivingKind.EagerUnexpected;
                _arriving[src].Message = m;
                // Queued now, not when complete: a receive posted meanwhile must not match a later message.
                m.Arriving = n > 0;
                _unexpected.Append(m);
                return PayloadTarget.Into(m.Data, n);
            }
            case RecordKind.Data:
            {
                if (!_rendezvous.TryGetValue(h.Token1, out Operation? recv) || !recv.State.ReceiveInProgress)
                    throw TransportException.Error($"data for unknown receive {h.Token1}");
                if (h.Token2 != 0 || h.MessageBytes != recv.State.ExpectedBytes)
                    throw TransportException.Error($"data of {h.MessageBytes} bytes at {h.Token2} for a {recv.State.ExpectedBytes}-byte message");
                _rendezvous.Remove(h.Token1);
                // Its wait threw and its buffer is unpinned (ProgressEngine.Abandon): read and drop.
                if (recv.State.Abandoned) return PayloadTarget.Dropped(h.MessageBytes, notify: false);
                _arriving[src] = new ArrivingFrame { Kind = ArrivingKind.Data, Operation = recv, Bytes = h.MessageBytes };
                return PayloadTarget.Into(recv.State.Buffer, h.MessageBytes);
            }
            case RecordKind.Rts:
                if (h.MessageBytes < 0) throw TransportException.Error($"a request to send {h.MessageBytes} bytes");
                HandleRecord(src, &h, kind);
                return PayloadTarget.None;
            case RecordKind.Cts:
            case RecordKind.Fin:
                if (!_rendezvous.TryGetValue(h.Token1, out Operation? send) || send.State.Kind != RequestKind.Send)
                    throw TransportException.Error($"{kind} for unknown send {h.Token1}");
                HandleRecord(src, &h, kind);
                return PayloadTarget.None;
            default:
                throw TransportException.Error($"unknown frame kind {(int)kind}");
        }
    }

    void IFrameSink.OnPayloadDone(int peer)
    {
        ArrivingFrame done = _arriving[peer];
        _arriving[peer] = default;
        switch (done.Kind)
        {
            case ArrivingKind.EagerMatched:
                done.Operation!.Complete(new Completion(done.Source, done.Tag, done.Bytes, done.Operation.State.ElementSize), null);
                break;
            case ArrivingKind.EagerTruncated:
                done.Operation!.Complete(new Completion(done.Source, done.Tag, done.Bytes, done.Operation.State.ElementSize),
                    new MessageTruncatedException(done.Source, done.Tag, done.Bytes, done.Operation.State.BufferBytes));
                break;
            case ArrivingKind.EagerUnexpected:
                InboundMessage m = done.Message!;
                m.Arriving = false;
                if (m.Dropped) _inboundPool.Return(m); // its receive was abandoned meanwhile
                else if (m.Waiter is { } waiter)
                {
                    fixed (byte* payload = m.Data) DeliverEager(waiter, m.Source, m.Tag, payload, m.Bytes);
                    _inboundPool.Return(m);
                }
                break;
            case ArrivingKind.Data:
                Operation recv = done.Operation!;
                recv.Complete(new Completion(recv.State.MatchedSource, recv.State.MatchedTag, recv.State.ExpectedBytes, recv.State.ElementSize), null);
                break;
        }
    }
}

internal enum ArrivingKind : byte { None, EagerMatched, EagerTruncated, EagerUnexpected, Data }

/// <summary>What to do once the current frame's payload from a peer has been read.</summary>
internal struct ArrivingFrame
{
    public ArrivingKind Kind;
    public Operation? Operation;
    public InboundMessage? Message;
    public int Source;
    public int Tag;
    public long Bytes;
}
