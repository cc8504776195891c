using System.Runtime.InteropServices;
using HpcMsg.Transports;

namespace HpcMsg.Engine;

/// <summary>
/// A blocking call whose wait threw (the job is ending, the launcher is gone, a connection broke,
/// the engine was disposed, ...) is about to unpin its buffer. The program may catch the exception
/// and carry on, so nothing may be read from or written to that buffer afterwards: the call's
/// request is taken out of the engine here, before the unpinning, under the engine's lock (so that
/// no progress pass on another thread, such as the await pump, is using it meanwhile).
/// <list type="bullet">
/// <item>A receive not yet matched leaves the posted queue; a later message goes to a later receive.
/// A receive matched to a message still arriving (pipelined chunks, a TCP payload) stays where the
/// protocol expects it, marked abandoned: the rest of that message is read and dropped.</item>
/// <item>A send not yet announced (eager or request-to-send waiting for room, a large send to
/// oneself not yet received) is withdrawn: it is never delivered. A send already announced cannot
/// be recalled from its receiver, so the engine finishes it from a private copy of the payload,
/// taken now while the buffer is still pinned; the copy is freed when the transfer ends. A receiver
/// that would read the announced buffer directly (process_vm_readv) learns from this rank's abandon
/// counter at the node transport that it may have read a reused buffer, and asks for the stream instead
/// (<see cref="StartRendezvousReceive"/>).</item>
/// </list>
/// Either way the request completes with the wait's error and is never reused.
/// </summary>
internal sealed unsafe partial class ProgressEngine
{
    /// <summary>Waits for <paramref name="r"/>; if the wait throws, abandons it (see the type's
    /// remarks) before the exception reaches the caller, who then unpins the buffer.</summary>
    public void WaitOrAbandon(Operation r)
    {
        try
        {
            if (!r.CompletedFlag) WaitFor(r, r.Generation, blocking: true);
        }
        catch (Exception e)
        {
            Abandon(r, e);
            throw;
        }
    }

    /// <summary>Takes <paramref name="r"/> out of the engine; it completes with <paramref name="error"/>
    /// unless it has completed already. Safe to call for any request, any number of times.</summary>
    public void Abandon(Operation r, Exception error)
    {
        using (_lock.EnterScope())
        {
            if (r.CompletedFlag) return;
            if (r.State.Kind == RequestKind.Receive) AbandonReceiveLocked(r);
            else AbandonSendLocked(r);
            r.CompleteAbandoned(error); // from now on a completion by the protocol only releases what it holds
        }
    }

    private void AbandonReceiveLocked(Operation r)
    {
        if (_posted.Remove(r)) return;
        // Matched: the message is arriving. Its remaining bytes are dropped instead of written.
        r.State.Buffer = null;
        r.Array = null;
        if (_networks.Length == 0) return; // shared memory: pipelined chunks check Abandoned (HandleRecord)
        for (int peer = 0; peer < _arriving.Length; peer++)
        {
            ref ArrivingFrame arriving = ref _arriving[peer];
            if (arriving.Operation == r)
            {
                Route(peer).DiscardRestOfPayload(peer);
                arriving.Kind = ArrivingKind.None;
            }
            else if (arriving.Message is { } m && m.Waiter == r)
            {
                m.Waiter = null;
                m.Dropped = true; // matched, so no longer queued: returned to the pool when complete
            }
        }
    }

    private void AbandonSendLocked(Operation r)
    {
        if (r.State.SelfMessage is { } self && self.SelfSend == r)
        {
            // A large send to oneself waits in the unexpected queue until a receive copies from it.
            _unexpected.Remove(self);
            _inboundPool.Return(self);
            return;
        }
        if (r.State.Peer == WorldRank) return; // a small send to oneself completes at once
        ITransport t = Route(r.State.Peer);
        if (!ReferenceEquals(t, _node))
        {
            // Frames may be half written to the socket: finish them from a copy.
            byte* copy = DetachPayload(r);
            t.RetargetPayload(r.State.Peer, r, copy);
            return;
        }
        switch (WithdrawQueued(r))
        {
            case OutboundKind.EagerSend:
                return;
            case OutboundKind.RequestToSend:
                _rendezvous.Remove(r.State.RendezvousId);
                return;
            case OutboundKind.Stream:
                DetachPayload(r); // the receiver waits for the rest of the chunks
                return;
            case null:
                // The request-to-send is out. A cross-memory reader would read the old address:
                // count this before the caller unpins, so that one that reads afterwards sees it.
                DetachPayload(r);
                _node!.CountAbandonedSend();
                return;
        }
    }

    /// <summary>Gives <paramref name="r"/> a private copy of its payload, freed when it completes.</summary>
    private static byte* DetachPayload(Operation r)
    {
        byte* copy = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, r.State.BufferBytes));
        if (r.State.BufferBytes > 0) Buffer.MemoryCopy(r.State.Buffer, copy, r.State.BufferBytes, r.State.BufferBytes);
        r.State.Buffer = copy;
        r.State.OwnsBuffer = true;
        return copy;
    }

    /// <summary>Takes an eager send or request-to-send of <paramref name="r"/> out of the queue to its
    /// destination; returns the kind of <paramref name="r"/>'s item there, or null if it has none.</summary>
    private OutboundKind? WithdrawQueued(Operation r)
    {
        OutboundQueue q = _pending[r.State.Peer];
        OutboundKind? found = null;
        int n = q.Count;
        for (int i = 0; i < n; i++)
        {
            OutboundItem item = q.Dequeue();
            if (item.Operation == r)
            {
                found = item.Kind;
                // A stream may have written some chunks already: it stays, with its place in the queue.
                if (item.Kind != OutboundKind.Stream) continue;
            }
            q.Enqueue(item);
        }
        if (n > 0 && q.Count == 0) _pendingDestinations--;
        return found;
    }
}
