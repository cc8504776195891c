using HpcMsg.Transports;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Engine;

/// <summary>The sending side: eager messages, request-to-send and the large message's data, to the
/// transport the routing table names for the destination; what finds no room waits in that
/// destination's outbound queue, in order. The node transport is called through
/// <see cref="NodeTransport"/> (one virtual call to a sealed override per operation, the eager send
/// and its wake in one), every other transport through <see cref="ITransport"/>.</summary>
internal sealed unsafe partial class ProgressEngine
{
    private Operation? _cachedSend;

    // The pool of operations: taken from under the engine's lock (_free), given back without it
    // (_returned, pushed by compare-and-swap: a handle releases its operation on whatever thread saw
    // the completion, and that must cost no second pass through the lock). The taker moves the whole
    // returned list to _free with one exchange, so pops never race pops (no ABA).
    private Operation? _free;
    private Operation? _returned;

    /// <summary>An operation for a send or receive about to be posted (collectives, internal
    /// SendRecv, non-blocking calls): pooled, so steady traffic allocates nothing.</summary>
    public Operation RentOperation()
    {
        using (_lock.EnterScope()) return RentOperationLocked();
    }

    private Operation RentOperationLocked()
    {
        Operation? op = _free ?? Interlocked.Exchange(ref _returned, null);
        if (op is null) return new Operation(this);
        _free = op.NextFree;
        op.NextFree = null;
        return op;
    }

    /// <summary>Gives back an operation whose completion its owner has observed and copied out. One
    /// not completed, or abandoned, may still be referenced by the engine: the GC has it later.</summary>
    public void ReleaseOperation(Operation op)
    {
        if (!op.CompletedFlag || op.State.Abandoned) return;
        op.Recycle();
        Operation? head;
        do
        {
            head = Volatile.Read(ref _returned);
            op.NextFree = head;
        }
        while (Interlocked.CompareExchange(ref _returned, op, head) != head);
    }

    /// <summary>The largest message that is eager on every transport: a send of at most this many
    /// bytes completes whether or not its receiver has posted a receive.</summary>
    public int EagerLimitEverywhere => Math.Min(Config.EagerLimit, Config.TcpEagerLimit);

    /// <summary>Blocking standard-mode send. An eager message to a rank of this node with an empty queue
    /// to it goes straight to the node transport without a request.</summary>
    public void Send(int context, int sourceInComm, int destWorld, int tag, byte* data, long bytes, int elementSize)
    {
        if (TrySendEagerNow(context, sourceInComm, destWorld, tag, data, bytes)) return; // written, and the receiver woken
        Operation r = Interlocked.Exchange(ref _cachedSend, null) ?? new Operation(this);
        r.Reset(RequestKind.Send, context, destWorld, tag, elementSize, data, bytes);
        r.State.SourceInComm = sourceInComm;
        using (_lock.EnterScope())
        {
            ThrowIfJobEnding();
            PostSendLocked(r);
        }
        WaitOrAbandon(r); // a wait that throws takes r out of the engine before `data` is unpinned
        try
        {
            r.Outcome();
        }
        finally
        {
            _cachedSend = r; // after Result: another thread may take it from the cache at once
        }
    }

    /// <summary>A small message to a rank of this node written into its ring now, the receiver woken,
    /// when nothing waits before it for that rank and the ring has room: complete with no operation
    /// (the blocking send, and a non-blocking one, which then needs no pooled operation). False: the
    /// caller posts it the full way.</summary>
    public bool TrySendEagerNow(int context, int sourceInComm, int destWorld, int tag, byte* data, long bytes)
    {
        // The route and the limit never change after construction: a large send or one to another host
        // does not take the lock twice.
        if (_node is not { } node || bytes > Config.EagerLimit || destWorld == WorldRank || !ReferenceEquals(_route[destWorld], node)) return false;
        using (_lock.EnterScope())
        {
            ThrowIfJobEnding();
            return _pending[destWorld].Count == 0 && node.TrySendEager(destWorld, context, sourceInComm, tag, data, bytes);
        }
    }

    /// <summary>Starts a send described by a reset operation (buffer pinned by the caller).</summary>
    public void PostSend(Operation r)
    {
        using (_lock.EnterScope())
        {
            ThrowIfJobEnding();
            PostSendLocked(r);
        }
    }

    /// <summary>A non-blocking send: an operation from the pool, described and posted in one pass
    /// through the lock. It takes <paramref name="pin"/> (of a managed buffer; <paramref name="pinned"/>
    /// false for none) in every case: released at completion, or here if the post throws.
    /// <paramref name="pinIfPending"/>: the array <paramref name="data"/> points into, which the caller
    /// holds fixed for this call; it is pinned (until completion) only if the send has not completed
    /// when posted, so that an eager send, which completes at once, costs no pinning handle.</summary>
    public Operation PostNewSend(int context, int sourceInComm, int destWorld, int tag, int elementSize, byte* data, long bytes, System.Buffers.MemoryHandle pin, bool pinned, object? pinIfPending = null)
    {
        Operation? r = null;
        try
        {
            using (_lock.EnterScope())
            {
                ThrowIfJobEnding();
                r = RentOperationLocked();
                r.Reset(RequestKind.Send, context, destWorld, tag, elementSize, data, bytes);
                r.State.SourceInComm = sourceInComm;
                TakePin(r, ref pin, ref pinned);
                PostSendLocked(r);
                if (pinIfPending is not null) PinIfPending(r, pinIfPending);
            }
            return r;
        }
        catch
        {
            DropPin(r, ref pin, pinned);
            throw;
        }
    }

    private static void TakePin(Operation r, ref System.Buffers.MemoryHandle pin, ref bool pinned)
    {
        if (!pinned) return;
        r.Pin = pin;
        r.Pinned = true;
        pinned = false;
    }

    /// <summary>Pins <paramref name="array"/> for an operation the post left pending (still inside the
    /// caller's <c>fixed</c>, so it has not moved; under the lock, as is every completion, which
    /// releases it).</summary>
    private static void PinIfPending(Operation r, object array)
    {
        if (r.CompletedFlag) return;
        r.Pin = new System.Buffers.MemoryHandle(null, System.Runtime.InteropServices.GCHandle.Alloc(array, System.Runtime.InteropServices.GCHandleType.Pinned));
        r.Pinned = true;
    }

    /// <summary>After a post threw: the pin is released whether or not the operation had taken it.</summary>
    private static void DropPin(Operation? r, ref System.Buffers.MemoryHandle pin, bool pinned)
    {
        if (pinned) pin.Dispose();
        else if (r is { Pinned: true })
        {
            r.Pin.Dispose();
            r.Pinned = false;
        }
    }

    private void PostSendLocked(Operation r)
    {
        int dest = r.State.Peer;
        if (dest == WorldRank)
        {
            SendToSelf(r);
            return;
        }
        ITransport t = Route(dest);
        if (r.State.BufferBytes <= _eagerLimitOf[dest])
        {
            if (_pending[dest].Count == 0)
            {
                SendOutcome o = SendEagerAndWake(t, dest, r);
                if (o != SendOutcome.NoRoom)
                {
                    AfterEager(t, dest, r, o);
                    return;
                }
            }
            Enqueue(dest, new OutboundItem(OutboundKind.EagerSend, r));
            return;
        }
        r.State.RendezvousId = NewRendezvousId();
        _rendezvous[r.State.RendezvousId] = r;
        if (_nodeLargeSends is not null && ReferenceEquals(t, _node))
        {
            r.State.NodeLargeSend = true;
            _nodeLargeSends[dest]++;
            _nodeLargeSendsInFlight++;
        }
        if (_pending[dest].Count == 0)
        {
            SendOutcome o = SendRequestToSend(t, dest, r);
            if (o != SendOutcome.NoRoom)
            {
                WakeIfNode(t, dest);
                AfterRequestToSend(t, dest, r, o);
                return;
            }
        }
        Enqueue(dest, new OutboundItem(OutboundKind.RequestToSend, r));
    }

    /// <summary>The transport that carries traffic to <paramref name="peer"/> (another rank).</summary>
    private ITransport Route(int peer) =>
        _route[peer] ?? throw new HpcMsgException($"rank {WorldRank}: no transport reaches rank {peer} (it is on another host, and this job has no network transport)");

    // One operation on a transport: the node transport through its class (no wake: the caller wakes
    // once, after what it wrote), any other through the interface.

    private SendOutcome SendEager(ITransport t, int dest, Operation r) =>
        ReferenceEquals(t, _node)
            ? (_node!.TryWriteEager(dest, r.State.Context, r.State.SourceInComm, r.State.Tag, r.State.Buffer, r.State.BufferBytes) ? SendOutcome.Done : SendOutcome.NoRoom)
            : t.SendEager(dest, r.State.Context, r.State.SourceInComm, r.State.Tag, r.State.Buffer, r.State.BufferBytes, r);

    /// <summary>An eager send with nothing queued before it: to the node transport written and woken
    /// in one call.</summary>
    private SendOutcome SendEagerAndWake(ITransport t, int dest, Operation r) =>
        ReferenceEquals(t, _node)
            ? (_node!.TrySendEager(dest, r.State.Context, r.State.SourceInComm, r.State.Tag, r.State.Buffer, r.State.BufferBytes) ? SendOutcome.Done : SendOutcome.NoRoom)
            : t.SendEager(dest, r.State.Context, r.State.SourceInComm, r.State.Tag, r.State.Buffer, r.State.BufferBytes, r);

    private SendOutcome SendRequestToSend(ITransport t, int dest, Operation r) =>
        ReferenceEquals(t, _node)
            ? (_node!.TryWriteRequestToSend(dest, r.State.Context, r.State.SourceInComm, r.State.Tag, r.State.BufferBytes, (long)r.State.Buffer, r.State.RendezvousId,
                senderBusy: _nodeLargeSends is not null && _nodeLargeSendsInFlight > _nodeLargeSends[dest]) ? SendOutcome.Done : SendOutcome.NoRoom)
            : t.SendRequestToSend(dest, r.State.Context, r.State.SourceInComm, r.State.Tag, r.State.BufferBytes, (long)r.State.Buffer, r.State.RendezvousId);

    private SendOutcome SendControl(ITransport t, int dest, RecordKind kind, long token1, long token2) =>
        ReferenceEquals(t, _node)
            ? (_node!.TryWriteControl(dest, kind, token1, token2) ? SendOutcome.Done : SendOutcome.NoRoom)
            : t.SendControl(dest, kind, token1, token2);

    /// <summary>After clear-to-send: as much of the large message as the transport takes now.</summary>
    private SendOutcome SendLarge(ITransport t, int dest, Operation r)
    {
        if (ReferenceEquals(t, _node))
            return _node!.TryStream(dest, r.State.RemoteReceiveId, r.State.Buffer, r.State.BufferBytes, ref r.State.StreamOffset) ? SendOutcome.Done : SendOutcome.NoRoom;
        return t.SendLarge(dest, r.State.RemoteReceiveId, r.State.Buffer, r.State.BufferBytes, ref r.State.StreamOffset, r);
    }

    /// <summary>After records were written to <paramref name="dest"/> through the node transport: wake it.</summary>
    private void WakeIfNode(ITransport t, int dest)
    {
        if (ReferenceEquals(t, _node)) _node!.WakeIfSleeping(dest);
    }

    /// <summary>An eager send the transport took (any outcome but NoRoom).</summary>
    private static void AfterEager(ITransport t, int dest, Operation r, SendOutcome o)
    {
        if (o == SendOutcome.Done) CompleteSend(r);
        else if (o == SendOutcome.PeerGone) r.Complete(default, t.PeerFailure(dest).ToPublic());
        // Pending: the transport's sink completes it (OnSent).
    }

    private void AfterRequestToSend(ITransport t, int dest, Operation r, SendOutcome o)
    {
        if (o != SendOutcome.PeerGone) return; // announced: the receiver answers
        _rendezvous.Remove(r.State.RendezvousId);
        r.Complete(default, t.PeerFailure(dest).ToPublic());
    }

    private void AfterLarge(ITransport t, int dest, Operation r, SendOutcome o)
    {
        switch (o)
        {
            case SendOutcome.Done:
                _rendezvous.Remove(r.State.RendezvousId);
                CompleteSend(r);
                break;
            case SendOutcome.PeerGone:
                _rendezvous.Remove(r.State.RendezvousId);
                r.Complete(default, t.PeerFailure(dest).ToPublic());
                break;
            // Pending: the transport's sink completes it (OnSent).
        }
    }

    /// <summary>The receiver's clear-to-send arrived: carry the large message, now or after what waits
    /// for room to that destination.</summary>
    private void StartLargeData(int dest, Operation send)
    {
        ITransport t = Route(dest);
        if (_pending[dest].Count == 0)
        {
            long before = send.State.StreamOffset;
            SendOutcome o = SendLarge(t, dest, send);
            if (send.State.StreamOffset != before) WakeIfNode(t, dest);
            if (o != SendOutcome.NoRoom)
            {
                AfterLarge(t, dest, send, o);
                return;
            }
        }
        Enqueue(dest, new OutboundItem(OutboundKind.Stream, send));
    }

    private void SendToSelf(Operation send)
    {
        Operation? recv = _posted.TakeMatch(send.State.Context, send.State.SourceInComm, WorldRank, send.State.Tag);
        if (recv is not null)
        {
            CopyBetween(send, recv);
            CompleteSend(send);
            WakeIfSleeping(WorldRank);
            return;
        }
        InboundMessage m = _inboundPool.Rent();
        SetHeader(m, InboundKind.Eager, send.State.Context, send.State.SourceInComm, WorldRank, send.State.Tag, send.State.BufferBytes);
        if (send.State.BufferBytes <= Config.EagerLimit)
        {
            // Buffered like an eager message, so that a small send to oneself completes at once.
            m.Data = System.Buffers.ArrayPool<byte>.Shared.Rent((int)send.State.BufferBytes);
            new ReadOnlySpan<byte>(send.State.Buffer, (int)send.State.BufferBytes).CopyTo(m.Data);
            CompleteSend(send);
        }
        else
        {
            m.Kind = InboundKind.SelfRendezvous;
            m.SelfSend = send;
            send.State.SelfMessage = m; // withdrawn from the queue if the send is abandoned
        }
        _unexpected.Append(m);
        WakeIfSleeping(WorldRank);
    }

    /// <summary>Completes a self-send rendezvous, or a receive matched by a self message.</summary>
    private static void CopyBetween(Operation send, Operation recv)
    {
        long n = send.State.BufferBytes;
        if (n > recv.State.BufferBytes)
        {
            recv.Complete(new Completion(send.State.SourceInComm, send.State.Tag, n, recv.State.ElementSize),
                new MessageTruncatedException(send.State.SourceInComm, send.State.Tag, n, recv.State.BufferBytes));
            return;
        }
        if (recv.Array is not null) CopyIntoArray(recv, send.State.Buffer, n);
        else Buffer.MemoryCopy(send.State.Buffer, recv.State.Buffer, recv.State.BufferBytes, n);
        recv.Complete(new Completion(send.State.SourceInComm, send.State.Tag, n, recv.State.ElementSize), null);
    }

    private static void CompleteSend(Operation r) =>
        r.Complete(new Completion(r.State.SourceInComm, r.State.Tag, r.State.BufferBytes, r.State.ElementSize), null);

    /// <summary>Sends a control record now, or queues it behind what already waits for that destination.</summary>
    private void SendControl(int dest, RecordKind kind, long token1, long token2)
    {
        if (dest == WorldRank) throw new InvalidOperationException("control records never go to self");
        ITransport t = Route(dest);
        if (_pending[dest].Count == 0)
        {
            // PeerGone: what this answers has failed (or will) with the peer; nothing to do.
            if (SendControl(t, dest, kind, token1, token2) != SendOutcome.NoRoom)
            {
                WakeIfNode(t, dest);
                return;
            }
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
            ITransport t = _route[dest]!;
            bool wrote = false;
            while (q.Count > 0)
            {
                OutboundItem item = q.Peek();
                long streamedBefore = item.Operation?.State.StreamOffset ?? 0;
                SendOutcome o = item.Kind switch
                {
                    OutboundKind.EagerSend => SendEager(t, dest, item.Operation!),
                    OutboundKind.RequestToSend => SendRequestToSend(t, dest, item.Operation!),
                    OutboundKind.Control => SendControl(t, dest, item.ControlKind, item.Token1, item.Token2),
                    _ => SendLarge(t, dest, item.Operation!),
                };
                if (item.Kind == OutboundKind.Stream && item.Operation!.State.StreamOffset != streamedBefore) wrote = true;
                if (o == SendOutcome.NoRoom) break;
                q.Dequeue();
                wrote = true;
                switch (item.Kind)
                {
                    case OutboundKind.EagerSend: AfterEager(t, dest, item.Operation!, o); break;
                    case OutboundKind.RequestToSend: AfterRequestToSend(t, dest, item.Operation!, o); break;
                    case OutboundKind.Stream: AfterLarge(t, dest, item.Operation!, o); break;
                }
            }
            if (q.Count == 0) _pendingDestinations--;
            if (wrote)
            {
                WakeIfNode(t, dest);
                progressed = true;
            }
        }
        return progressed;
    }

    /// <summary>True when nothing waits for room at any transport (used before finalize).</summary>
    private bool OutboundIdle => _pendingDestinations == 0;
}
