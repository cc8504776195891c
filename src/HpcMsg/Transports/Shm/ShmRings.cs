using HpcMsg.Transports.Wire;

namespace HpcMsg.Transports.Shm;

/// <summary>
/// The shared-memory transport's ring protocol for one rank: the single-producer single-consumer ring
/// to and from each peer on its host, and the records written into them (eager message,
/// request-to-send, control, pipelined chunk), each a <see cref="RecordHeader"/> and its payload.
/// The engine decides what to send and matches what arrives; how a record is laid out in a ring is
/// this class's. Sealed and called directly (no interface call per message on the hot path).
/// </summary>
internal sealed unsafe class ShmRings
{
    private readonly ShmSegment _shm;
    private readonly int[] _localOf;
    private readonly RingProducer[] _out;
    private readonly RingConsumer[] _in;
    private readonly int* _myAbandonedSends;

    /// <param name="shm">The node's segment.</param>
    /// <param name="worldRank">This rank.</param>
    /// <param name="localOf">World rank to index in the segment, -1 for a rank on another host.</param>
    public ShmRings(ShmSegment shm, int worldRank, int[] localOf)
    {
        _shm = shm;
        _localOf = localOf;
        int size = localOf.Length;
        _out = new RingProducer[size];
        _in = new RingConsumer[size];
        int me = localOf[worldRank];
        for (int peer = 0; peer < size; peer++)
        {
            int local = localOf[peer];
            if (peer == worldRank || local < 0) continue;
            _out[peer] = new RingProducer(shm.Ring(me, local), shm.RingCapacity);
            _in[peer] = new RingConsumer(shm.Ring(local, me), shm.RingCapacity);
        }
        _myAbandonedSends = shm.AbandonedSends(me);
    }

    /// <summary>The ring from <paramref name="src"/>, a peer on this host.</summary>
    public ref RingConsumer Incoming(int src) => ref _in[src];

    /// <summary>A whole small message, payload inline; false when the ring has no room now.</summary>
    public bool TryWriteEager(int dest, int context, int source, int tag, byte* data, long bytes)
    {
        int recordBytes = RingProducer.RecordBytesFor(bytes);
        ref RingProducer ring = ref _out[dest];
        byte* record = ring.TryClaim(recordBytes);
        if (record == null) return false;
        RecordHeader* h = (RecordHeader*)record;
        h->Context = context;
        h->Source = source;
        h->Tag = tag;
        h->MessageBytes = bytes;
        if (bytes > 0) RingCopy.Copy(data, record + RecordHeader.Size, bytes);
        ring.Commit(record, recordBytes, RecordKind.Eager);
        return true;
    }

    /// <summary>Announces a large message at <paramref name="address"/> in this process (the receiver
    /// may read it with cross-memory attach), with this rank's abandoned-send count at this moment
    /// (see ShmLayout.AbandonedSendsOffset).</summary>
    public bool TryWriteRequestToSend(int dest, int context, int source, int tag, long bytes, long address, long sendId)
    {
        ref RingProducer ring = ref _out[dest];
        int recordBytes = RingProducer.RecordBytesFor(0);
        byte* record = ring.TryClaim(recordBytes);
        if (record == null) return false;
        RecordHeader* h = (RecordHeader*)record;
        h->Context = context;
        h->Source = source;
        h->Tag = tag;
        h->MessageBytes = bytes;
        h->Token1 = address;
        h->Token2 = sendId;
        h->Reserved = Volatile.Read(ref *_myAbandonedSends);
        ring.Commit(record, recordBytes, RecordKind.Rts);
        return true;
    }

    /// <summary>A control record (clear-to-send, fin) with its two tokens.</summary>
    public bool TryWriteControl(int dest, RecordKind kind, long token1, long token2)
    {
        ref RingProducer ring = ref _out[dest];
        int recordBytes = RingProducer.RecordBytesFor(0);
        byte* record = ring.TryClaim(recordBytes);
        if (record == null) return false;
        RecordHeader* h = (RecordHeader*)record;
        h->Token1 = token1;
        h->Token2 = token2;
        ring.Commit(record, recordBytes, kind);
        return true;
    }

    /// <summary>
    /// Reads a large message that <paramref name="src"/> announced (request-to-send at
    /// <paramref name="address"/>) straight out of its address space (process_vm_readv) into
    /// <paramref name="target"/>. <paramref name="senderAbandoned"/> is the sender's abandoned-send
    /// count in the announcement: a changed count means the sender has given up on an announced send
    /// since (a wait of its threw), and this may be that send, whose buffer may have been reused, even
    /// unmapped, before or during the read; the caller then asks for the stream, which comes from the
    /// sender's own copy. The sender counts before it unpins, so a read that saw a reused buffer sees
    /// the count here.
    /// </summary>
    public DirectReadResult TryReadAnnounced(int src, long address, byte* target, long bytes, int senderAbandoned, out int errno, out int pid)
    {
        int local = _localOf[src];
        pid = Volatile.Read(ref *_shm.Pid(local));
        errno = CrossMemoryAttach.Read(pid, address, target, bytes);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref *_shm.AbandonedSends(local)) != senderAbandoned) return DirectReadResult.SenderAbandoned;
        if (errno == 0) return DirectReadResult.Read;
        return CrossMemoryAttach.IsNotPermitted(errno) ? DirectReadResult.NotPermitted : DirectReadResult.Failed;
    }

    /// <summary>This rank gives up on a send it has announced (its buffer is about to be unpinned):
    /// counted before the caller unpins, so that a reader that reads afterwards sees it (see
    /// <see cref="TryReadAnnounced"/>).</summary>
    public void CountAbandonedSend() => Interlocked.Increment(ref *_myAbandonedSends);

    /// <summary>One chunk of a pipelined large message, for the receive <paramref name="receiveId"/>
    /// at <paramref name="offset"/>; false when the ring has no room for it now.</summary>
    public bool TryWriteChunk(int dest, long receiveId, long offset, byte* data, long chunk)
    {
        ref RingProducer ring = ref _out[dest];
        int recordBytes = RingProducer.RecordBytesFor(chunk);
        byte* record = ring.TryClaim(recordBytes);
        if (record == null) return false;
        RecordHeader* h = (RecordHeader*)record;
        h->MessageBytes = chunk;
        h->Token1 = receiveId;
        h->Token2 = offset;
        RingCopy.Copy(data, record + RecordHeader.Size, chunk);
        ring.Commit(record, recordBytes, RecordKind.Data);
        return true;
    }
}

/// <summary>How a direct read of an announced large message ended.</summary>
internal enum DirectReadResult
{
    /// <summary>The message is in the target buffer.</summary>
    Read,
    /// <summary>The sender abandoned a send meanwhile: what was read may be stale; ask for the stream.</summary>
    SenderAbandoned,
    /// <summary>The kernel forbids cross-memory attach here: use the stream from now on.</summary>
    NotPermitted,
    /// <summary>The read failed otherwise (errno says why).</summary>
    Failed,
}
