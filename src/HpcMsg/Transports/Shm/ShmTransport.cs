using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using HpcMsg.Bootstrap;
using HpcMsg.Internal;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Transports.Shm;

/// <summary>
/// The shared-memory transport of one rank: everything the engine uses of the node's segment. The
/// single-producer single-consumer ring to and from each peer on this host and the records written
/// into them (eager message, request-to-send, control, pipelined chunk), each a
/// <see cref="RecordHeader"/> and its payload; draining them into the engine's
/// <see cref="IRecordSink"/>; the wake signals of the node's ranks; cross-memory reads of announced
/// messages; the job state, the node barrier's words and the node's shared slots. The engine decides
/// what to send and matches what arrives; how any of it is laid out in the segment is this class's.
/// The engine knows it only as a <see cref="NodeTransport"/>: sealed, so that each of the engine's
/// calls is one virtual call to the override here (no interface call on the hot path), and calls
/// within this class are direct (the JIT devirtualizes a call on a sealed type).
/// </summary>
internal sealed unsafe class ShmTransport : NodeTransport
{
    /// <summary>The largest ring a segment has (a job without a segment sizes its limits by it).</summary>
    public const int MaxRingCapacity = ShmLayout.MaxRingCapacity;

    /// <summary>Records from this size hand their ring space back as soon as they are consumed, not at
    /// the end of the pass: a pipelined send's chunks are a quarter of the ring each, and with the
    /// space handed back only when the receiver ran dry the sender stalled with the ring full and
    /// then refilled it while the receiver idled. Near placement, ping-pong 1 MiB 25.7-26.8 us
    /// against 30.3-35.2, 4 MiB 103 against 123-143, bandwidth 4 MiB 37-44 GB/s against 35-36.</summary>
    private const int PublishEarlyBytes = 4096;

    private readonly ShmSegment _shm;
    private readonly int[] _localOf;
    private readonly int[] _peers; // world ranks of the other ranks on this host, ascending
    private readonly RingProducer[] _out;
    private readonly RingConsumer[] _in;
    private readonly WakeSignal[] _signals; // by world rank; default for ranks on other hosts
    private readonly int* _myAbandonedSends;
    private readonly int _rank;
    private readonly int _chunkBytes;
    private bool _skipWakeFence;
    private IRecordSink? _sink; // for Progress through the interface; the engine drains through DrainInto
    private readonly int* _myDoorbellArmed;
    private Doorbell? _doorbell;          // bound at the first wait on sockets (a rank with network peers)
    private bool _doorbellFailed;
    private System.Net.Sockets.Socket? _ringer;
    private readonly System.Net.Sockets.UnixDomainSocketEndPoint?[] _doorbells; // by world rank, made on first ring

    /// <param name="shm">The node's segment.</param>
    /// <param name="job">This rank, and which world ranks share its host (and so the segment).</param>
    public ShmTransport(ShmSegment shm, JobEnvironment job)
        : base(shm.JobState, ShmLayout.JobRunning)
    {
        if (job.Size - 1 > ShortEagerHeader.MaxSource)
            throw TransportException.Error($"rank {job.Rank}: a job of {job.Size} ranks is larger than shared memory's records can name ({ShortEagerHeader.MaxSource + 1} ranks)");
        _shm = shm;
        _rank = job.Rank;
        _chunkBytes = LargestRecordPayload(shm.RingCapacity);
        int size = job.Size;
        int worldRank = job.Rank;
        _localOf = new int[size];
        for (int r = 0; r < size; r++)
        {
            int local = r - job.FirstLocalWorldRank;
            _localOf[r] = local >= 0 && local < job.LocalSize ? local : -1;
        }
        _out = new RingProducer[size];
        _in = new RingConsumer[size];
        _signals = new WakeSignal[size];
        var peers = new List<int>();
        int me = _localOf[worldRank];
        for (int peer = 0; peer < size; peer++)
        {
            int local = _localOf[peer];
            if (local < 0) continue;
            _signals[peer] = shm.Signal(local);
            if (peer == worldRank) continue;
            peers.Add(peer);
            _out[peer] = new RingProducer(shm.Ring(me, local), shm.RingCapacity);
            _in[peer] = new RingConsumer(shm.Ring(local, me), shm.RingCapacity);
        }
        _peers = [.. peers];
        _myAbandonedSends = shm.AbandonedSends(me);
        _myDoorbellArmed = shm.DoorbellArmed(me);
        _doorbells = new System.Net.Sockets.UnixDomainSocketEndPoint?[size];
        OwnSignal = _signals[worldRank];
    }

    /// <summary>Bytes in each ring of the segment.</summary>
    public int RingCapacity => _shm.RingCapacity;

    /// <summary>The largest payload of one record in this segment's rings (<see cref="LargestRecordPayload"/>).</summary>
    public override int MaxRecordPayload => _chunkBytes;

    /// <summary>The largest payload of one record in a ring of <paramref name="ringCapacity"/> bytes: a
    /// quarter of the ring less a cell, so that four are in flight beside the free cell the ring keeps
    /// after its newest record.</summary>
    public static int LargestRecordPayload(int ringCapacity) => ringCapacity / 4 - ShmLayout.CacheLine - RecordHeader.Size;

    public override string Name => "shared memory";

    /// <summary>Whether world rank <paramref name="peer"/>, another rank, shares this segment.</summary>
    public override bool Reaches(int peer) => peer != _rank && _localOf[peer] >= 0;

    /// <summary>What this rank sleeps on; the other ranks of the node wake it through it.</summary>
    public override WakeSignal OwnSignal { get; }

    /// <summary>Set when the sleeper forces the waker's fence itself (membarrier): a wake then skips
    /// its own full fence (see <see cref="WakeIfSleeping"/>).</summary>
    public override void SkipWakeFence(bool skip) => _skipWakeFence = skip;

    /// <summary>Wakes <paramref name="peer"/> (a rank on this host) if it sleeps. Pairs with the
    /// sleeper's fence: either it sees what this rank wrote, or this rank sees its sleeper count. With
    /// the asymmetric fence the sleeper forces that barrier onto this CPU itself (membarrier), so the
    /// sender pays nothing here: a full fence would wait for every store of the message to leave this
    /// core: 10-15% of the 8-byte latency here.</summary>
    public override void WakeIfSleeping(int peer) => Wake(peer);

    /// <summary><see cref="WakeIfSleeping"/> for the calls inside this class: non-virtual and inlined
    /// (the JIT left one call of the override in <see cref="Drain{TSink}"/> virtual).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Wake(int peer)
    {
        if (!_skipWakeFence) Interlocked.MemoryBarrier();
        // The word's bump is a full fence before the read of the armed flag: pairs with the sleeper's
        // arming before its last look at the word (WaitSet.Wait).
        if (_signals[peer].WakeIfSleeping() && Volatile.Read(ref *_shm.DoorbellArmed(_localOf[peer])) != 0) RingDoorbell(peer);
    }

    /// <summary>Ends <paramref name="peer"/>'s wait on its sockets (it has peers on other hosts).</summary>
    private void RingDoorbell(int peer)
    {
        _ringer ??= Doorbell.NewRinger();
        Doorbell.Ring(_ringer, _doorbells[peer] ??= Doorbell.Address(_shm.Path, _localOf[peer]));
    }

    /// <summary>Hands every record waiting in the incoming rings to <paramref name="sink"/>, at most 64
    /// per ring and pass so that one busy sender cannot starve the others, and gives the ring space
    /// back (waking a sender that may wait for it). True if any record arrived. Generic over a struct
    /// sink: the call per record is direct.</summary>
    public bool Drain<TSink>(ref TSink sink) where TSink : struct, IRecordSink
    {
        bool progressed = false;
        foreach (int src in _peers)
        {
            ref RingConsumer ring = ref _in[src];
            byte* record;
            int budget = 64;
            while (budget-- > 0 && (record = ring.Peek()) != null)
            {
                int recordBytes = RecordHeader.RecordBytesOf(*(long*)record);
                PrefetchRest(record, recordBytes);
                bool done = sink.OnRecord(src, (RecordHeader*)record);
                ring.Release(record, recordBytes);
                progressed = true;
                // The blocking call that drives this pass has its message: no look at the next cell
                // now. The sender zeroed that cell just before it published this record, so the line
                // is still in the sender's cache, modified: reading it costs a line transfer, and the
                // reply this rank is about to send could not leave until it had come (retirement is
                // in order, and the reply's lock and stores wait for it). The next pass reads it,
                // while this rank waits anyway.
                if (done) break;
                // A large record frees a good part of the ring: hand it back at once, so that a
                // streaming sender refills it while this rank copies out the next chunk.
                if (recordBytes >= PublishEarlyBytes && ring.Publish()) Wake(src);
            }
            if (ring.Publish()) Wake(src); // the sender may be waiting for this room
        }
        return progressed;
    }

    /// <summary>Asks for the record's further lines (up to 1 KiB) as soon as its first is seen. Each comes
    /// from the sender's cache; read when the payload is copied, after the match, the second line of a
    /// 64-512-byte message was a second transfer after the first. Asked for at once, the transfers
    /// overlap each other and the match: one-way latency of 64-512 B 8-18% lower, np 2 Allreduce of
    /// 64-256 B 6-13% (osu, far placement, 4-5 rounds interleaved, 2026-12-07; near unchanged); larger
    /// records stream well enough by themselves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRest(byte* record, int recordBytes)
    {
        if (!Sse.IsSupported) return;
        int end = Math.Min(recordBytes, PrefetchLimit);
        for (int offset = ShmLayout.CacheLine; offset < end; offset += ShmLayout.CacheLine) Sse.Prefetch0(record + offset);
    }

    private const int PrefetchLimit = 1024;

    public override RecordDrain DrainInto<TSink>(TSink sink) => new Drainer<TSink>(this, sink);

    /// <summary>The engine's drain: compiled for its sink's struct type, so that <see cref="Drain{TSink}"/>
    /// calls the sink directly for each record.</summary>
    private sealed class Drainer<TSink>(ShmTransport transport, TSink sink) : RecordDrain where TSink : struct, IRecordSink
    {
        private TSink _sink = sink;

        public override bool Drain() => transport.Drain(ref _sink);
    }

    /// <summary>A lock-free look: is a record waiting in any incoming ring?</summary>
    public override bool HasIncoming()
    {
        foreach (int src in _peers)
        {
            if (_in[src].HasRecord) return true;
        }
        return false;
    }

    /// <summary>The error a blocked call throws once <see cref="NodeTransport.JobRunning"/> is false.</summary>
    private TransportException EndingError()
    {
        int state = _shm.ReadJobState();
        int rank = Volatile.Read(ref *_shm.FailedRank);
        int code = Volatile.Read(ref *_shm.ExitCode);
        return TransportException.JobEnding(state == ShmLayout.JobAborted, rank, code);
    }

    /// <summary>The node's shared per-rank slots (node collectives).</summary>
    public override INodeSharedSlots Slots => _shm;

    /// <summary>Ranks of this node (the segment's size).</summary>
    public override int NodeRanks => _shm.Size;

    /// <summary>The node barrier's generation word (changed only by the barrier's first rank).</summary>
    public override int* BarrierGeneration => _shm.BarrierGeneration;

    /// <summary>The barrier arrival word of local rank <paramref name="localRank"/>.</summary>
    public override int* BarrierArrival(int localRank) => _shm.BarrierArrival(localRank);

    /// <summary>The dissemination barrier's round count of local rank <paramref name="localRank"/>.</summary>
    public override int* BarrierRounds(int localRank) => _shm.BarrierRounds(localRank);

    /// <summary>A whole small message, payload inline, and the receiver woken; false when the ring has no room now.</summary>
    public override bool TrySendEager(int dest, int context, int source, int tag, byte* data, long bytes)
    {
        if (!WriteEager(dest, context, source, tag, data, bytes)) return false;
        Wake(dest);
        return true;
    }

    /// <summary>A whole small message, payload inline; false when the ring has no room now.</summary>
    public override bool TryWriteEager(int dest, int context, int source, int tag, byte* data, long bytes) =>
        WriteEager(dest, context, source, tag, data, bytes);

    /// <summary><see cref="TryWriteEager"/>, inlined into <see cref="TrySendEager"/>: the eager send is
    /// one call from the engine.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool WriteEager(int dest, int context, int source, int tag, byte* data, long bytes)
    {
        // Every eager message travels in a short record: the source fits its 24 bits (the constructor
        // refuses a larger job) and an eager message fits a ring record (EagerLimit <= LargestRecordPayload).
        Debug.Assert((uint)source <= ShortEagerHeader.MaxSource);
        ref RingProducer ring = ref _out[dest];
        byte* record = ring.TryClaim(ShortEagerHeader.RecordBytesFor((int)bytes));
        if (record == null) return false;
        ShortEagerHeader* h = (ShortEagerHeader*)record;
        h->Context = context;
        h->Tag = tag;
        if (bytes > 0) PayloadCopy.Copy(data, record + ShortEagerHeader.Size, bytes);
        ring.Commit(record, ShortEagerHeader.Pack((int)bytes, source));
        return true;
    }

    /// <summary>Announces a large message at <paramref name="address"/> in this process (the receiver
    /// may read it with cross-memory attach), with this rank's abandoned-send count at this moment
    /// (see ShmLayout.AbandonedSendsOffset).</summary>
    public override bool TryWriteRequestToSend(int dest, int context, int source, int tag, long bytes, long address, long sendId, bool senderBusy = false)
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
        ring.Commit(record, recordBytes, senderBusy ? RecordKind.RtsFromBusySender : RecordKind.Rts);
        return true;
    }

    /// <summary>A control record (clear-to-send, fin) with its two tokens.</summary>
    public override bool TryWriteControl(int dest, RecordKind kind, long token1, long token2)
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
    public override DirectReadResult TryReadAnnounced(int src, long address, byte* target, long bytes, int senderAbandoned, out int errno, out int pid)
    {
        int local = _localOf[src];
        pid = Volatile.Read(ref *_shm.Pid(local));
        errno = CrossMemoryAttach.Read(pid, address, target, bytes);
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref *_shm.AbandonedSends(local)) != senderAbandoned) return DirectReadResult.SenderAbandoned;
        if (errno == 0) return DirectReadResult.Read;
        return CrossMemoryAttach.IsNotPermitted(errno) ? DirectReadResult.NotPermitted : DirectReadResult.Failed;
    }

    /// <summary>PR_SET_PTRACER_ANY (see <see cref="CrossMemoryAttach.PermitReaders"/>).</summary>
    public override bool PermitDirectReads() => CrossMemoryAttach.PermitReaders();

    /// <summary>This rank gives up on a send it has announced (its buffer is about to be unpinned):
    /// counted before the caller unpins, so that a reader that reads afterwards sees it (see
    /// <see cref="TryReadAnnounced"/>).</summary>
    public override void CountAbandonedSend() => Interlocked.Increment(ref *_myAbandonedSends);

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
        PayloadCopy.Copy(data, record + RecordHeader.Size, chunk);
        ring.Commit(record, recordBytes, RecordKind.Data);
        return true;
    }

    /// <summary>Writes as many chunks of a pipelined large message as fit; true when the last one is out.</summary>
    public override bool TryStream(int dest, long receiveId, byte* data, long bytes, ref long offset)
    {
        while (offset < bytes)
        {
            long chunk = Math.Min(_chunkBytes, bytes - offset);
            if (!TryWriteChunk(dest, receiveId, offset, data + offset, chunk)) return false;
            offset += chunk;
        }
        return true;
    }

    // ITransport: the same operations for a caller that drives every transport alike (the engine uses
    // the record-level ones above for this transport).

    public override void Attach(IRecordSink records, IFrameSink frames) => _sink = records;

    public override SendOutcome SendEager(int peer, int context, int source, int tag, byte* data, long bytes, object owner) =>
        Woken(peer, TryWriteEager(peer, context, source, tag, data, bytes));

    public override SendOutcome SendRequestToSend(int peer, int context, int source, int tag, long bytes, long address, long sendId) =>
        Woken(peer, TryWriteRequestToSend(peer, context, source, tag, bytes, address, sendId));

    public override SendOutcome SendControl(int peer, RecordKind kind, long token1, long token2) =>
        Woken(peer, TryWriteControl(peer, kind, token1, token2));

    public override SendOutcome SendLarge(int peer, long receiveId, byte* data, long bytes, ref long offset, object owner)
    {
        long before = offset;
        bool done = TryStream(peer, receiveId, data, bytes, ref offset);
        if (offset != before) Wake(peer);
        return done ? SendOutcome.Done : SendOutcome.NoRoom;
    }

    private SendOutcome Woken(int peer, bool written)
    {
        if (!written) return SendOutcome.NoRoom;
        Wake(peer);
        return SendOutcome.Done;
    }

    public override bool Progress()
    {
        var sink = new ForwardingSink(_sink ?? throw new InvalidOperationException("the shared-memory transport has no sink attached"));
        return Drain(ref sink);
    }

    /// <summary>Drains into a sink known only by its interface (the engine drains with its own struct).</summary>
    private readonly struct ForwardingSink(IRecordSink sink) : IRecordSink
    {
        public bool OnRecord(int sourceWorld, RecordHeader* header) => sink.OnRecord(sourceWorld, header);
    }

    public override bool MayHaveWork => HasIncoming();

    /// <summary>Peers wake this rank through its futex word. A wait that also covers sockets (the rank
    /// has peers on other hosts) cannot see the futex: it waits on this rank's doorbell, armed now,
    /// which a waker rings (see <see cref="WakeIfSleeping"/>). Without a doorbell the wait is kept short.</summary>
    public override void CollectWaits(WaitSet set)
    {
        if (_doorbell is null && !_doorbellFailed)
        {
            _doorbell = Doorbell.TryBind(Doorbell.Address(_shm.Path, _localOf[_rank]));
            _doorbellFailed = _doorbell is null;
        }
        if (_doorbell is null)
        {
            set.FutexWokenByPeers = true;
            return;
        }
        Interlocked.Exchange(ref *_myDoorbellArmed, 1); // a full fence before the wait's last look at the word
        set.AddReadable(_doorbell.Socket);
    }

    public override void AfterWait(WaitSet set)
    {
        if (_doorbell is null) return;
        Volatile.Write(ref *_myDoorbellArmed, 0);
        if (set.Fired(_doorbell.Socket)) _doorbell.Silence();
    }

    public override TransportException? JobEndingError() => JobRunning ? null : EndingError();

    /// <summary>A rank of the node that dies ends the whole job (hpcrun marks the segment): no single peer fails.</summary>
    public override IReadOnlyList<int> FailedPeers => [];

    public override TransportException PeerFailure(int peer) => TransportException.PeerLost(peer, $"rank {_rank}: rank {peer} on this host is gone");

    /// <summary>Chunks land whole in a record: the engine drops them itself (it checks the receive).</summary>
    public override void DiscardRestOfPayload(int peer) { }

    /// <summary>The stream reads the request's buffer pointer each time: nothing is cached here.</summary>
    public override void RetargetPayload(int peer, object owner, byte* copy) { }

    public override (int[] Peers, bool Opening) ConnectedPeers() => ([.. _peers], false);

    /// <summary>hpcrun learns of an abort from the rank's exit; the segment is marked by the engine's caller.</summary>
    public override void BeginAbort(int errorCode) { }

    public override void AnnounceAbort(int errorCode) { }

    /// <summary>The segment is the communicator's to unmap; the rings need no goodbye; the doorbell goes.</summary>
    public override void Close()
    {
        _doorbell?.Dispose();
        _ringer?.Dispose();
    }
}
