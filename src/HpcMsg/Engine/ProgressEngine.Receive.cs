using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HpcMsg.Internal;
using HpcMsg.Transports;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Engine;

/// <summary>The receiving side: posting receives against the unexpected queue, delivery of eager
/// messages, single-copy or pipelined large messages, and probes.</summary>
internal sealed unsafe partial class ProgressEngine
{
    private Operation? _cachedRecv;

    /// <summary>Blocking receive into a buffer the caller keeps fixed for the duration.</summary>
    public Completion Receive(int context, int source, int sourceWorld, int tag, byte* buffer, long bytes, int elementSize)
    {
        Operation r = Interlocked.Exchange(ref _cachedRecv, null) ?? new Operation(this);
        r.Reset(RequestKind.Receive, context, source, tag, elementSize, buffer, bytes, sourceWorld);
        using (_lock.EnterScope())
        {
            ThrowIfJobEnding();
            PostReceiveLocked(r);
        }
        WaitOrAbandon(r); // a wait that throws takes r out of the engine before `buffer` is unpinned
        try
        {
            return r.Outcome();
        }
        finally
        {
            _cachedRecv = r; // after Result: another thread may take it from the cache at once
        }
    }

    public void PostReceive(Operation r)
    {
        using (_lock.EnterScope())
        {
            ThrowIfJobEnding();
            PostReceiveLocked(r);
        }
    }

    /// <summary>A non-blocking receive: an operation from the pool, described and posted in one pass
    /// through the lock; it takes <paramref name="pin"/> as <see cref="PostNewSend"/> does.
    /// <paramref name="array"/>: the buffer is that managed array from byte <paramref name="arrayOffset"/>
    /// (<paramref name="buffer"/> null), unpinned: an eager message, the usual case, is copied in under
    /// <c>fixed</c> and costs no pinning handle; a large one, or one a transport reads in over several
    /// passes, pins it when matched (<see cref="PinReceiveBuffer"/>).</summary>
    public Operation PostNewReceive(int context, int source, int sourceWorld, int tag, int elementSize, byte* buffer, long bytes, System.Buffers.MemoryHandle pin, bool pinned, object? array = null, nint arrayOffset = 0)
    {
        Operation? r = null;
        try
        {
            using (_lock.EnterScope())
            {
                ThrowIfJobEnding();
                r = RentOperationLocked();
                r.Reset(RequestKind.Receive, context, source, tag, elementSize, buffer, bytes, sourceWorld);
                r.Array = array;
                r.ArrayOffset = arrayOffset;
                TakePin(r, ref pin, ref pinned);
                PostReceiveLocked(r);
            }
            return r;
        }
        catch
        {
            DropPin(r, ref pin, pinned);
            throw;
        }
    }

    private void PostReceiveLocked(Operation r)
    {
        InboundMessage? m = _unexpected.Find(r.State.Context, r.State.Peer, r.State.PeerWorld, r.State.Tag);
        if (m is null)
        {
            _posted.Append(r);
            return;
        }
        _unexpected.Remove(m);
        if (m.Arriving)
        {
            m.Waiter = r; // delivered when the rest of its payload has been read (IFrameSink.OnPayloadDone)
            return;
        }
        switch (m.Kind)
        {
            case InboundKind.Eager:
                fixed (byte* payload = m.Data)
                    DeliverEager(r, m.Source, m.Tag, payload, m.Bytes);
                break;
            case InboundKind.Rendezvous:
                StartRendezvousReceive(r, m.SourceWorld, m.Source, m.Tag, m.Bytes, m.Address, m.SendId, m.SenderAbandoned, m.SenderBusy);
                break;
            case InboundKind.SelfRendezvous:
                Operation send = m.SelfSend!;
                CopyBetween(send, r);
                CompleteSend(send);
                break;
        }
        _inboundPool.Return(m);
    }

    private static void DeliverEager(Operation r, int source, int tag, byte* payload, long bytes)
    {
        if (bytes > r.State.BufferBytes)
        {
            r.Complete(new Completion(source, tag, bytes, r.State.ElementSize),
                new MessageTruncatedException(source, tag, bytes, r.State.BufferBytes));
            return;
        }
        if (bytes > 0)
        {
            if (r.Array is null) PayloadCopy.Copy(payload, r.State.Buffer, bytes);
            else CopyIntoArray(r, payload, bytes);
        }
        r.Complete(new Completion(source, tag, bytes, r.State.ElementSize), null);
    }

    /// <summary>An eager payload into an unpinned receive array, wherever it is now. Out of line: the
    /// pinned local of <c>fixed</c> stays out of the blocking receive's path, which has a pointer.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CopyIntoArray(Operation r, byte* payload, long bytes)
    {
        fixed (byte* start = &MemoryMarshal.GetArrayDataReference((Array)r.Array!))
            PayloadCopy.Copy(payload, start + r.ArrayOffset, bytes);
    }

    /// <summary>A receive into an unpinned array (<see cref="Operation.Array"/>) about to be written
    /// over more than this call (single copy, stream, a transport's read): pinned now, released at
    /// completion. Caller holds the lock.</summary>
    private static void PinReceiveBuffer(Operation r)
    {
        if (r.Array is not { } array) return;
        GCHandle handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        r.State.Buffer = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference((Array)array)) + r.ArrayOffset;
        r.Array = null;
        r.Pin = new System.Buffers.MemoryHandle(null, handle);
        r.Pinned = true;
    }

    /// <summary>Starts taking a large message announced by a request-to-send (single copy, or the
    /// pipelined stream). <paramref name="senderAbandoned"/> is the sender's abandoned-send count when
    /// it announced the message: a changed count means its buffer may be reused, so ask for the stream.
    /// <paramref name="senderBusy"/>: the sender had large messages to other ranks of the node in flight.</summary>
    private void StartRendezvousReceive(Operation r, int srcWorld, int source, int tag, long bytes, long address, long sendId, int senderAbandoned, bool senderBusy)
    {
        if (bytes > r.State.BufferBytes)
        {
            SendControl(srcWorld, RecordKind.Fin, sendId, 0); // releases the sender; the data is dropped
            r.Complete(new Completion(source, tag, bytes, r.State.ElementSize),
                new MessageTruncatedException(source, tag, bytes, r.State.BufferBytes));
            return;
        }
        PinReceiveBuffer(r);
        if (bytes >= Config.CrossMemoryAttachBytes && !_directReadRefused[srcWorld] && PreferSingleCopy(senderBusy)
            && _node is { } node && ReferenceEquals(_route[srcWorld], node))
        {
            switch (node.TryReadAnnounced(srcWorld, address, r.State.Buffer, bytes, senderAbandoned, out int errno, out int pid))
            {
                case DirectReadResult.Read:
                    _directReads++;
                    SendControl(srcWorld, RecordKind.Fin, sendId, 0);
                    r.Complete(new Completion(source, tag, bytes, r.State.ElementSize), null);
                    return;
                case DirectReadResult.Failed:
                    r.Complete(new Completion(source, tag, bytes, r.State.ElementSize),
                        new RankFailedException(srcWorld, $"rank {WorldRank}: reading a {bytes}-byte message from rank {srcWorld} (pid {pid}) failed with errno {errno}"));
                    return;
                case DirectReadResult.NotPermitted:
                    // The kernel refuses this pair: ask for the stream, now and for every later message
                    // from this peer. Whatever the failed read wrote into the buffer, the stream overwrites.
                    _directReadRefused[srcWorld] = true;
                    break;
                case DirectReadResult.SenderAbandoned:
                    break; // the sender's buffer may have been reused: ask for the stream (from its own copy)
            }
        }
        long receiveId = NewRendezvousId();
        r.State.ReceiveInProgress = true;
        r.State.ExpectedBytes = bytes;
        r.State.MatchedSource = source;
        r.State.MatchedTag = tag;
        r.State.PeerWorld = srcWorld; // whom the transfer depends on (a wildcard receive had none): see IFrameSink.OnPeerFailed
        r.State.StreamOffset = 0;
        _rendezvous[receiveId] = r;
        SendControl(srcWorld, RecordKind.Cts, sendId, receiveId);
    }

    /// <summary>
    /// Whether a large message from a rank of the node that may be read once should be (else the sender
    /// streams it through the ring). With <see cref="LargeMessagePath.Auto"/>, read once only when the
    /// sender had large messages to other ranks of the node in flight (a root of a broadcast or scatter
    /// would stream each in turn where the receivers can read at once). Otherwise streamed: the two cores
    /// copy at once, the sender from its own cache. A program sends what it has just computed, and a
    /// cross-process read of that takes every line from the other core's cache: np 2, 256 KiB-1 MiB
    /// written before each transfer, far placement, the stream took 0.19-0.20x the single copy's time one
    /// way and 0.31-0.33x both ways at once. Only buffers the sender never touches (osu's) read faster
    /// once, and only both ways at once (bibw 1.4-1.55x the stream's).
    /// </summary>
    private bool PreferSingleCopy(bool senderBusy) => Config.LargePath switch
    {
        LargeMessagePath.SingleCopy => true,
        LargeMessagePath.Auto => senderBusy,
        _ => false,
    };

    /// <summary>Non-blocking probe: drives progress once, then looks at the unexpected queue.</summary>
    public bool TryProbe(int context, int source, int sourceWorld, int tag, out Completion status)
    {
        using (_lock.EnterScope())
        {
            ThrowIfJobEnding();
            ProgressLocked();
            return FindUnexpected(context, source, sourceWorld, tag, out status);
        }
    }

    private bool FindUnexpected(int context, int source, int sourceWorld, int tag, out Completion status)
    {
        InboundMessage? m = _unexpected.Find(context, source, sourceWorld, tag);
        if (m is null)
        {
            status = default;
            return false;
        }
        status = new Completion(m.Source, m.Tag, m.Bytes, 1);
        return true;
    }

    public Completion Probe(int context, int source, int sourceWorld, int tag)
    {
        var backoff = new Backoff(Config);
        while (true)
        {
            bool progressed;
            using (_lock.EnterScope())
            {
                ThrowIfJobEnding();
                progressed = ProgressLocked();
                if (FindUnexpected(context, source, sourceWorld, tag, out Completion status)) return status;
            }
            if (progressed) backoff.Reset(); else backoff.Idle(this);
        }
    }
}
