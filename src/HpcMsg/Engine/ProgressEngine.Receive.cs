using HpcMsg.Transports.Shm;

namespace HpcMsg.Engine;

/// <summary>The receiving side: posting receives against the unexpected queue, delivery of eager
/// messages, single-copy or pipelined large messages, and probes.</summary>
internal sealed unsafe partial class ProgressEngine
{
    private Request? _cachedRecv;

    /// <summary>Blocking receive into a buffer the caller keeps fixed for the duration.</summary>
    public Status Receive(int context, int source, int sourceWorld, int tag, byte* buffer, long bytes, int elementSize)
    {
        Request r = Interlocked.Exchange(ref _cachedRecv, null) ?? new Request(this);
        r.Reset(RequestKind.Receive, context, source, tag, elementSize, buffer, bytes, sourceWorld);
        using (_lock.EnterScope())
        {
            ThrowIfJobEnding();
            PostReceiveLocked(r);
        }
        try
        {
            if (!r.CompletedFlag) WaitFor(r);
            return r.Result();
        }
        finally
        {
            if (r.CompletedFlag) _cachedRecv = r;
        }
    }

    public void PostReceive(Request r)
    {
        using (_lock.EnterScope())
        {
            ThrowIfJobEnding();
            PostReceiveLocked(r);
        }
    }

    private void PostReceiveLocked(Request r)
    {
        InboundMessage? m = _unexpected.Find(r.Context, r.Peer, r.PeerWorld, r.Tag);
        if (m is null)
        {
            _posted.Append(r);
            return;
        }
        _unexpected.Remove(m);
        if (m.Arriving)
        {
            m.Waiter = r; // delivered when the rest of its payload has been read (OnTcpPayloadDone)
            return;
        }
        switch (m.Kind)
        {
            case InboundKind.Eager:
                fixed (byte* payload = m.Data)
                    DeliverEager(r, m.Source, m.Tag, payload, m.Bytes);
                break;
            case InboundKind.Rendezvous:
                StartRendezvousReceive(r, m.SourceWorld, m.Source, m.Tag, m.Bytes, m.Address, m.SendId);
                break;
            case InboundKind.SelfRendezvous:
                Request send = m.SelfSend!;
                CopyBetween(send, r);
                CompleteSend(send);
                break;
        }
        _inboundPool.Return(m);
    }

    private static void DeliverEager(Request r, int source, int tag, byte* payload, long bytes)
    {
        if (bytes > r.BufferBytes)
        {
            r.Complete(new Status(source, tag, bytes, r.ElementSize),
                new MessageTruncatedException(source, tag, bytes, r.BufferBytes));
            return;
        }
        if (bytes > 0) RingCopy.Copy(payload, r.Buffer, bytes);
        r.Complete(new Status(source, tag, bytes, r.ElementSize), null);
    }

    private void StartRendezvousReceive(Request r, int srcWorld, int source, int tag, long bytes, long address, long sendId)
    {
        if (bytes > r.BufferBytes)
        {
            SendControl(srcWorld, RecordKind.Fin, sendId, 0); // releases the sender; the data is dropped
            r.Complete(new Status(source, tag, bytes, r.ElementSize),
                new MessageTruncatedException(source, tag, bytes, r.BufferBytes));
            return;
        }
        if (!_crossMemoryDisabled && !IsRemote(srcWorld))
        {
            int pid = Volatile.Read(ref *_shm!.Pid(_localOf[srcWorld]));
            int errno = CrossMemoryAttach.Read(pid, address, r.Buffer, bytes);
            if (errno == 0)
            {
                SendControl(srcWorld, RecordKind.Fin, sendId, 0);
                r.Complete(new Status(source, tag, bytes, r.ElementSize), null);
                return;
            }
            if (!CrossMemoryAttach.IsNotPermitted(errno))
            {
                r.Complete(new Status(source, tag, bytes, r.ElementSize),
                    new RankFailedException(srcWorld, $"rank {WorldRank}: reading a {bytes}-byte message from rank {srcWorld} (pid {pid}) failed with errno {errno}"));
                return;
            }
            _crossMemoryDisabled = true; // the kernel forbids it here: pipeline through the ring from now on
        }
        long receiveId = NewRendezvousId();
        r.ReceiveInProgress = true;
        r.ExpectedBytes = bytes;
        r.MatchedSource = source;
        r.MatchedTag = tag;
        r.PeerWorld = srcWorld; // whom the transfer depends on (a wildcard receive had none): see OnTcpPeerFailed
        r.StreamOffset = 0;
        _rendezvous[receiveId] = r;
        SendControl(srcWorld, RecordKind.Cts, sendId, receiveId);
    }

    /// <summary>Non-blocking probe: drives progress once, then looks at the unexpected queue.</summary>
    public bool TryProbe(int context, int source, int sourceWorld, int tag, out Status status)
    {
        using (_lock.EnterScope())
        {
            ThrowIfJobEnding();
            ProgressLocked();
            return FindUnexpected(context, source, sourceWorld, tag, out status);
        }
    }

    private bool FindUnexpected(int context, int source, int sourceWorld, int tag, out Status status)
    {
        InboundMessage? m = _unexpected.Find(context, source, sourceWorld, tag);
        if (m is null)
        {
            status = default;
            return false;
        }
        status = new Status(m.Source, m.Tag, m.Bytes, 1);
        return true;
    }

    public Status Probe(int context, int source, int sourceWorld, int tag)
    {
        var backoff = new Backoff(Config);
        while (true)
        {
            bool progressed;
            using (_lock.EnterScope())
            {
                ThrowIfJobEnding();
                progressed = ProgressLocked();
                if (FindUnexpected(context, source, sourceWorld, tag, out Status status)) return status;
            }
            if (progressed) backoff.Reset(); else backoff.Idle(this);
        }
    }
}
