using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using HpcMsg.Internal;
using HpcMsg.Transports;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Tests.Engine;

/// <summary>
/// The ranks of one in-process job joined by <see cref="LoopbackTransport"/>s: each record a rank sends
/// is copied (header and payload) into the destination's queue, and the destination's progress hands
/// it to its engine's <see cref="IRecordSink"/>, as shared memory's rings do, without a segment,
/// sockets or processes. Large messages go as request-to-send, clear-to-send and Data chunks of
/// <see cref="ChunkBytes"/>, at most <see cref="ChunksPerCall"/> per call, so that the engine's queue
/// for a transport with no room is exercised too. <see cref="Kill"/> makes a rank's peers see it fail.
/// </summary>
internal sealed class LoopbackFabric
{
    private readonly int[] _dead;

    public LoopbackFabric(int size, int chunkBytes = 1000, int chunksPerCall = 3)
    {
        ChunkBytes = chunkBytes;
        ChunksPerCall = chunksPerCall;
        _dead = new int[size];
        Transports = new LoopbackTransport[size];
        for (int r = 0; r < size; r++) Transports[r] = new LoopbackTransport(this, r);
    }

    public LoopbackTransport[] Transports { get; }

    public int ChunkBytes { get; }

    public int ChunksPerCall { get; }

    /// <summary>Rank <paramref name="rank"/> dies: its peers' transports report it failed at their next pass.</summary>
    public void Kill(int rank) => Volatile.Write(ref _dead[rank], 1);

    public bool IsDead(int rank) => Volatile.Read(ref _dead[rank]) != 0;
}

/// <summary>One rank's end of a <see cref="LoopbackFabric"/>: a complete <see cref="ITransport"/> that
/// keeps its records whole in memory, so it reports through <see cref="IRecordSink"/>.</summary>
internal sealed unsafe class LoopbackTransport(LoopbackFabric fabric, int rank) : ITransport
{
    private readonly ConcurrentQueue<(int Source, byte[] Record)> _incoming = new();
    private readonly List<int> _failed = [];
    private IRecordSink? _records;
    private IFrameSink? _frames;

    /// <summary>Records this transport has taken to send (for tests: what went over the seam).</summary>
    public int RecordsSent { get; private set; }

    public string Name => "loopback";

    public bool Reaches(int peer) => peer != rank;

    public void Attach(IRecordSink records, IFrameSink frames)
    {
        _records = records;
        _frames = frames;
    }

    public SendOutcome SendEager(int peer, int context, int source, int tag, byte* data, long bytes, object owner) =>
        Post(peer, new RecordHeader { Context = context, Source = source, Tag = tag, MessageBytes = bytes }, RecordKind.Eager, data, bytes);

    public SendOutcome SendRequestToSend(int peer, int context, int source, int tag, long bytes, long address, long sendId) =>
        Post(peer, new RecordHeader { Context = context, Source = source, Tag = tag, MessageBytes = bytes, Token1 = address, Token2 = sendId }, RecordKind.Rts, null, 0);

    public SendOutcome SendControl(int peer, RecordKind kind, long token1, long token2) =>
        Post(peer, new RecordHeader { Token1 = token1, Token2 = token2 }, kind, null, 0);

    public SendOutcome SendLarge(int peer, long receiveId, byte* data, long bytes, ref long offset, object owner)
    {
        for (int chunks = 0; offset < bytes; chunks++)
        {
            if (chunks == fabric.ChunksPerCall) return SendOutcome.NoRoom; // "the ring is full": call again
            long chunk = Math.Min(fabric.ChunkBytes, bytes - offset);
            SendOutcome o = Post(peer, new RecordHeader { MessageBytes = chunk, Token1 = receiveId, Token2 = offset }, RecordKind.Data, data + offset, chunk);
            if (o != SendOutcome.Done) return o;
            offset += chunk;
        }
        return SendOutcome.Done;
    }

    private SendOutcome Post(int peer, RecordHeader header, RecordKind kind, byte* payload, long bytes)
    {
        if (fabric.IsDead(peer)) return SendOutcome.PeerGone;
        header.LengthAndKind = RecordHeader.Pack(RecordHeader.Size + (int)bytes, kind);
        byte[] record = new byte[RecordHeader.Size + bytes];
        MemoryMarshal.Write(record, in header);
        if (bytes > 0) new ReadOnlySpan<byte>(payload, (int)bytes).CopyTo(record.AsSpan(RecordHeader.Size));
        fabric.Transports[peer]._incoming.Enqueue((rank, record));
        RecordsSent++;
        return SendOutcome.Done;
    }

    public bool Progress()
    {
        bool progressed = false;
        for (int peer = 0; peer < fabric.Transports.Length; peer++)
        {
            if (peer == rank || !fabric.IsDead(peer) || _failed.Contains(peer)) continue;
            _failed.Add(peer);
            _frames!.OnPeerFailed(peer);
            progressed = true;
        }
        for (int budget = 64; budget > 0 && _incoming.TryDequeue(out (int Source, byte[] Record) item); budget--)
        {
            if (_failed.Contains(item.Source)) continue; // what a dead peer left half-sent is dropped with it
            fixed (byte* p = item.Record) _records!.OnRecord(item.Source, (RecordHeader*)p);
            progressed = true;
        }
        return progressed;
    }

    public bool MayHaveWork => !_incoming.IsEmpty || _failed.Count < DeadPeers();

    private int DeadPeers()
    {
        int n = 0;
        for (int peer = 0; peer < fabric.Transports.Length; peer++)
            if (peer != rank && fabric.IsDead(peer)) n++;
        return n;
    }

    /// <summary>Nothing wakes a rank of the fabric: a blocked one polls every 100 us.</summary>
    public void CollectWaits(WaitSet set) => set.Limit(100);

    public void AfterWait(WaitSet set) { }

    public TransportException? JobEndingError() => null;

    public IReadOnlyList<int> FailedPeers => _failed;

    public TransportException PeerFailure(int peer) => TransportException.PeerLost(peer, $"rank {rank}: loopback peer {peer} was killed");

    /// <summary>Records arrive whole: the engine drops the chunks of an abandoned receive itself.</summary>
    public void DiscardRestOfPayload(int peer) { }

    /// <summary>Payloads are copied when posted: nothing refers to the sender's buffer afterwards.</summary>
    public void RetargetPayload(int peer, object owner, byte* copy) { }

    public (int[] Peers, bool Opening) ConnectedPeers() =>
        ([.. Enumerable.Range(0, fabric.Transports.Length).Where(p => p != rank && !fabric.IsDead(p))], false);

    public void BeginAbort(int errorCode) { }

    public void AnnounceAbort(int errorCode) { }

    public void Close() { }
}
