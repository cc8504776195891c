using System.Net.Sockets;
using HpcMsg.Transports.Shm;
using HpcMsg.Transports.Tcp;

namespace HpcMsg.Engine;

/// <summary>
/// The protocols over TCP, for peers on other hosts: eager frames up to HPCMSG_TCP_EAGER_LIMIT, and
/// for larger messages request-to-send, clear-to-send, then one Data frame written from the sender's
/// buffer and read into the posted receive. Matching is the same as on shared memory.
/// </summary>
internal sealed unsafe partial class ProgressEngine
{
    /// <summary>HPCMSG_TCP_EAGER_LIMIT: largest message sent without a handshake over TCP; also the
    /// most an unexpected message from another host can make this rank allocate.</summary>
    private int TcpEagerLimit => Config.TcpEagerLimit;

    private List<Socket>? _sleepSockets;
    private List<Socket>? _sleepWriters;

    /// <summary>Longest socket wait of a rank that also has peers on its own host (whose futex wake-ups
    /// the socket wait cannot see).</summary>
    private const int MixedSleepMicros = 50;

    private bool IsRemote(int world) => _localOf[world] < 0 && world != WorldRank;

    private bool ProgressTcp()
    {
        bool progressed = false;
        foreach (TcpConnection? c in _remote)
        {
            if (c is null || c.ClosedByPeer) continue;
            if (c.HasPendingSends) progressed |= c.FlushSends(this);
            progressed |= c.Receive(this);
        }
        return progressed;
    }

    private void PostTcpSend(Request r)
    {
        TcpConnection c = _remote[r.Peer]!;
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
        c.FlushSends(this);
    }

    private void SendTcpControl(int dest, RecordKind kind, long token1, long token2)
    {
        TcpConnection c = _remote[dest]!;
        var h = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, kind), Token1 = token1, Token2 = token2 };
        c.Enqueue(new TcpFrame(h, null, 0, null));
        c.FlushSends(this);
    }

    /// <summary>After clear-to-send: the whole message in one Data frame, straight from the user's buffer.</summary>
    private void SendTcpData(Request send)
    {
        TcpConnection c = _remote[send.Peer]!;
        var h = new RecordHeader
        {
            LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Data),
            MessageBytes = send.BufferBytes,
            Token1 = send.RemoteReceiveId,
            Token2 = 0,
        };
        c.Enqueue(new TcpFrame(h, send.Buffer, send.BufferBytes, send));
        c.FlushSends(this);
    }

    internal void OnTcpFrameSent(TcpConnection c, in TcpFrame frame)
    {
        if (frame.Request is not { } r) return;
        if (RecordHeader.KindOf(frame.Header.LengthAndKind) == RecordKind.Data) _rendezvous.Remove(r.RendezvousId);
        CompleteSend(r);
    }

    /// <summary>A frame header has arrived: check it against what the protocol allows, then match it
    /// or set where its payload goes. Nothing here trusts a length enough to allocate it unbounded.</summary>
    internal void OnTcpHeader(TcpConnection c, RecordHeader h)
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
                c.Completion = new TcpReceiveCompletion { Request = r, Source = h.Source, Tag = h.Tag, Bytes = n };
                if (r is not null && n <= r.BufferBytes)
                {
                    c.Completion.Kind = TcpReceiveKind.EagerMatched;
                    c.ExpectPayload(r.Buffer, n);
                }
                else if (r is not null)
                {
                    c.Completion.Kind = TcpReceiveKind.EagerTruncated;
                    c.DiscardPayload(n);
                }
                else
                {
                    InboundMessage m = _inboundPool.Rent();
                    SetHeader(m, InboundKind.Eager, h.Context, h.Source, src, h.Tag, n);
                    m.Data = System.Buffers.ArrayPool<byte>.Shared.Rent((int)n);
                    c.Completion.Kind = TcpReceiveKind.EagerUnexpected;
                    c.Completion.Message = m;
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
                c.Completion = new TcpReceiveCompletion { Kind = TcpReceiveKind.Data, Request = recv, Bytes = h.MessageBytes };
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
            default:
                throw c.Malformed(WorldRank, $"unknown frame kind {(int)kind}");
        }
    }

    internal void OnTcpPayloadDone(TcpConnection c)
    {
        TcpReceiveCompletion done = c.Completion;
        c.Completion = default;
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
            if (c is not { ClosedByPeer: false }) continue;
            _sleepSockets.Add(c.Socket);
            if (c.HasPendingSends) _sleepWriters.Add(c.Socket);
        }
        if (_sleepSockets.Count == 0)
        {
            Thread.Sleep(1);
            return;
        }
        try
        {
            Socket.Select(_sleepSockets, _sleepWriters.Count > 0 ? _sleepWriters : null, null, _shm is null ? Config.SleepMicros : MixedSleepMicros);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }
}
