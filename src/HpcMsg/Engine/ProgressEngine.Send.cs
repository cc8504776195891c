using HpcMsg.Transports.Shm;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Engine;

/// <summary>The sending side: eager records, request-to-send, and the pipelined chunk stream (the default above the eager limit).</summary>
internal sealed unsafe partial class ProgressEngine
{
    private Request? _cachedSend;
    private readonly Stack<Request> _requestPool = new();

    /// <summary>A request for an operation that completes before its caller returns (internal
    /// SendRecv, collectives): pooled, so steady traffic allocates nothing.</summary>
    public Request RentRequest()
    {
        using (_lock.EnterScope())
        {
            if (_requestPool.Count > 0) return _requestPool.Pop();
        }
        return new Request(this);
    }

    public void ReturnRequest(Request r)
    {
        if (!r.CompletedFlag || r.Abandoned) return; // may still be referenced by the engine: let the GC have it later
        using (_lock.EnterScope())
        {
            if (_requestPool.Count < 1024) _requestPool.Push(r);
        }
    }

    /// <summary>The largest message that is eager on every transport: a send of at most this many
    /// bytes completes whether or not its receiver has posted a receive.</summary>
    public int EagerLimitEverywhere => Math.Min(Config.EagerLimit, Config.TcpEagerLimit);

    /// <summary>Blocking standard-mode send. An eager message with an empty queue to its destination
    /// goes straight into the ring without a request.</summary>
    public void Send(int context, int sourceInComm, int destWorld, int tag, byte* data, long bytes, int elementSize)
    {
        using (_lock.EnterScope())
        {
            ThrowIfJobEnding();
            if (destWorld != WorldRank && _localOf[destWorld] >= 0 && bytes <= Config.EagerLimit && _pending[destWorld].Count == 0
                && TryWriteEager(destWorld, context, sourceInComm, tag, data, bytes))
            {
                WakeIfSleeping(destWorld);
                return;
            }
        }
        Request r = Interlocked.Exchange(ref _cachedSend, null) ?? new Request(this);
        r.Reset(RequestKind.Send, context, destWorld, tag, elementSize, data, bytes);
        r.SourceInComm = sourceInComm;
        using (_lock.EnterScope()) PostSendLocked(r);
        WaitOrAbandon(r); // a wait that throws takes r out of the engine before `data` is unpinned
        try
        {
            r.Result();
        }
        finally
        {
            _cachedSend = r; // after Result: another thread may take it from the cache at once
        }
    }

    /// <summary>Starts a send described by a reset request (buffer pinned by the caller).</summary>
    public void PostSend(Request r)
    {
        using (_lock.EnterScope())
        {
            ThrowIfJobEnding();
            PostSendLocked(r);
        }
    }

    private void PostSendLocked(Request r)
    {
        int dest = r.Peer;
        if (dest == WorldRank)
        {
            SendToSelf(r);
            return;
        }
        if (IsRemote(dest))
        {
            PostTcpSend(r);
            return;
        }
        if (r.BufferBytes <= Config.EagerLimit)
        {
            if (_pending[dest].Count == 0 && TryWriteEager(dest, r.Context, r.SourceInComm, r.Tag, r.Buffer, r.BufferBytes))
            {
                WakeIfSleeping(dest);
                CompleteSend(r);
                return;
            }
            Enqueue(dest, new OutboundItem(OutboundKind.EagerSend, r));
            return;
        }
        r.RendezvousId = NewRendezvousId();
        _rendezvous[r.RendezvousId] = r;
        if (_pending[dest].Count == 0 && TryWriteRequestToSend(dest, r))
        {
            WakeIfSleeping(dest);
            return;
        }
        Enqueue(dest, new OutboundItem(OutboundKind.RequestToSend, r));
    }

    private void SendToSelf(Request send)
    {
        Request? recv = _posted.TakeMatch(send.Context, send.SourceInComm, WorldRank, send.Tag);
        if (recv is not null)
        {
            CopyBetween(send, recv);
            CompleteSend(send);
            WakeIfSleeping(WorldRank);
            return;
        }
        InboundMessage m = _inboundPool.Rent();
        SetHeader(m, InboundKind.Eager, send.Context, send.SourceInComm, WorldRank, send.Tag, send.BufferBytes);
        if (send.BufferBytes <= Config.EagerLimit)
        {
            // Buffered like an eager message, so that a small send to oneself completes at once.
            m.Data = System.Buffers.ArrayPool<byte>.Shared.Rent((int)send.BufferBytes);
            new ReadOnlySpan<byte>(send.Buffer, (int)send.BufferBytes).CopyTo(m.Data);
            CompleteSend(send);
        }
        else
        {
            m.Kind = InboundKind.SelfRendezvous;
            m.SelfSend = send;
            send.SelfMessage = m; // withdrawn from the queue if the send is abandoned
        }
        _unexpected.Append(m);
        WakeIfSleeping(WorldRank);
    }

    /// <summary>Completes a self-send rendezvous, or a receive matched by a self message.</summary>
    private static void CopyBetween(Request send, Request recv)
    {
        long n = send.BufferBytes;
        if (n > recv.BufferBytes)
        {
            recv.Complete(new Status(send.SourceInComm, send.Tag, n, recv.ElementSize),
                new MessageTruncatedException(send.SourceInComm, send.Tag, n, recv.BufferBytes));
            return;
        }
        Buffer.MemoryCopy(send.Buffer, recv.Buffer, recv.BufferBytes, n);
        recv.Complete(new Status(send.SourceInComm, send.Tag, n, recv.ElementSize), null);
    }

    private static void CompleteSend(Request r) =>
        r.Complete(new Status(r.SourceInComm, r.Tag, r.BufferBytes, r.ElementSize), null);

    // The record formats are the shared-memory transport's (ShmTransport); these forwarders keep the
    // engine's queueing code as it was.
    private bool TryWriteEager(int dest, int context, int source, int tag, byte* data, long bytes) =>
        _shm!.TryWriteEager(dest, context, source, tag, data, bytes);

    private bool TryWriteRequestToSend(int dest, Request r) =>
        _shm!.TryWriteRequestToSend(dest, r.Context, r.SourceInComm, r.Tag, r.BufferBytes, (long)r.Buffer, r.RendezvousId);

    private bool TryWriteControl(int dest, RecordKind kind, long token1, long token2) =>
        _shm!.TryWriteControl(dest, kind, token1, token2);

    /// <summary>Writes as many chunks of a pipelined send as fit; true when the last one is out.</summary>
    private bool TryStream(int dest, Request r)
    {
        ShmTransport shm = _shm!;
        while (r.StreamOffset < r.BufferBytes)
        {
            long chunk = Math.Min(Config.ChunkBytes, r.BufferBytes - r.StreamOffset);
            if (!shm.TryWriteChunk(dest, r.RemoteReceiveId, r.StreamOffset, r.Buffer + r.StreamOffset, chunk)) return false;
            r.StreamOffset += chunk;
        }
        _rendezvous.Remove(r.RendezvousId);
        CompleteSend(r);
        return true;
    }

    /// <summary>Sends a control record now, or queues it behind what already waits for that ring.</summary>
    private void SendControl(int dest, RecordKind kind, long token1, long token2)
    {
        if (dest == WorldRank) throw new InvalidOperationException("control records never go to self");
        if (IsRemote(dest))
        {
            _tcp!.SendControl(dest, kind, token1, token2);
            return;
        }
        if (_pending[dest].Count == 0 && TryWriteControl(dest, kind, token1, token2))
        {
            WakeIfSleeping(dest);
            return;
        }
        Enqueue(dest, new OutboundItem(OutboundKind.Control, null, kind, token1, token2));
    }

    private void Enqueue(int dest, in OutboundItem item)
    {
        OutboundQueue q = _pending[dest];
        if (q.Count == 0) _pendingDestinations++;
        q.Enqueue(item);
    }

    private bool PushPending()
    {
        bool progressed = false;
        for (int dest = 0; dest < WorldSize; dest++)
        {
            OutboundQueue q = _pending[dest];
            if (q.Count == 0) continue;
            bool wrote = false;
            while (q.Count > 0)
            {
                OutboundItem item = q.Peek();
                long streamedBefore = item.Request?.StreamOffset ?? 0;
                bool done = item.Kind switch
                {
                    OutboundKind.EagerSend => TryWriteEager(dest, item.Request!.Context, item.Request.SourceInComm, item.Request.Tag, item.Request.Buffer, item.Request.BufferBytes),
                    OutboundKind.RequestToSend => TryWriteRequestToSend(dest, item.Request!),
                    OutboundKind.Control => TryWriteControl(dest, item.ControlKind, item.Token1, item.Token2),
                    _ => TryStream(dest, item.Request!),
                };
                if (item.Kind == OutboundKind.Stream && item.Request!.StreamOffset != streamedBefore) wrote = true;
                if (!done) break;
                q.Dequeue();
                wrote = true;
                if (item.Kind == OutboundKind.EagerSend) CompleteSend(item.Request!);
            }
            if (q.Count == 0) _pendingDestinations--;
            if (wrote)
            {
                WakeIfSleeping(dest);
                progressed = true;
            }
        }
        return progressed;
    }

    /// <summary>True when nothing waits for room in any ring (used before finalize).</summary>
    private bool OutboundIdle => _pendingDestinations == 0;
}
