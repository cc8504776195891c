using System.Net.Sockets;
using System.Runtime.InteropServices;
using HpcMsg.Bootstrap;
using HpcMsg.Internal;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Transports.Ofi;

/// <summary>
/// The libfabric transport of one rank, for the peers on other hosts: one tagged RDM endpoint
/// (<see cref="OfiEndpoint"/>), whose address each rank publishes beside its TCP endpoint through the
/// job's bootstrap (hpcrun's rendezvous or the PMI KVS, as the TCP mesh publishes it: <see cref="OfiJobLinks"/>), and
/// whose peers on other hosts enter the address vector on first use (<see cref="Reach"/>).
/// <para>
/// Records (eager messages, request-to-send, clear-to-send, fin, and the headers of large messages)
/// travel as tagged sends of the wire header (<see cref="RecordHeader"/>) followed by the payload,
/// copied into a pinned send slot, into receive slots posted for any source (tag kind 1, record; the
/// source's world rank in the tag's source bits). A large message's payload follows its Data header
/// as one tagged send straight from the sender's buffer, tagged with the source and the receive id;
/// the receiver posts a tagged receive for exactly that tag into the receive's buffer when the header
/// arrives (a send that arrives first waits in the provider as an unexpected message: libfabric's
/// tagged RDM endpoints queue those). Per peer, records are handed to the engine in their sending order
/// (a sequence number in the header's reserved word: tcp;ofi_rxm completes a segmented record after a
/// later small one) and none while a large payload streams in, as TCP's single stream does (the engine keeps one arriving frame
/// per peer).
/// </para>
/// <para>
/// Tag layout (see <see cref="OfiTagLayout"/>; kind 1 is the transport's own traffic; the key is the
/// job's, <see cref="OfiJobLinks.JobKey"/>):
/// <code>
///  63 | 62 | 61          | 60 ...... 50   | 49 ... 32          | 31 ... 0
///  0  | 1  | 0 record    | key bits 42-32 | source world rank  | key bits 31-0
///  0  | 1  | 1 payload   | key bits 42-32 | source world rank  | receive id (low 32 bits)
/// </code>
/// </para>
/// <para>
/// Strangers: a record whose key is not the job's, or (where the provider reports sources, FI_SOURCE)
/// whose sender is not the address vector's entry of the rank its tag names, is dropped and counted
/// (<see cref="StrangerMessages"/>), and logged once per sending address; so is a payload from the
/// wrong sender (its receive is posted again for the real one). Nothing else of the job notices.
/// </para>
/// <para>
/// The completion queue is polled in <see cref="Progress"/>. A blocked rank sleeps on the queue's wait
/// fd in the engine's one wait (<see cref="CollectWaits"/>: fi_trywait first, under the engine's lock;
/// only when it says yes does the fd join the <see cref="WaitSet"/>); a provider without a usable wait
/// fd (<see cref="OfiWaiting"/>: net before libfabric 1.19) is polled every
/// <see cref="WaitSet.MixedWaitMicros"/> µs instead. A send or receive that fails with a peer
/// fails that peer (<see cref="FailedPeers"/>); a rank killed while others only wait for it is seen by
/// the launcher, whose word (through the mesh's rendezvous connection or node ring) ends the job as
/// over TCP. The TCP mesh stays for that: its listener, the launcher's lifeline and the node ring; no
/// message travels over it.
/// </para>
/// </summary>
internal sealed unsafe class OfiTransport : ITransport
{
    private const ulong TransportBit = 1UL << 62;
    private const ulong PayloadBit = 1UL << 61;
    private const int SourceShift = 32;
    private const ulong SourceMask = (ulong)OfiTagLayout.MaxSource << SourceShift;
    private const int PollBatch = 16;
    private const int DataOps = 512;

    private enum OpType : byte { Free, RecordReceive, RecordSend, PayloadReceive, PayloadSend }

    private readonly OfiEndpoint _endpoint;
    private readonly OfiJobLinks _job;
    private readonly int _rank;
    private readonly Func<int, bool> _isRemote;
    private readonly int _slotBytes;
    private readonly int _receiveSlots;
    private readonly int _sendSlots;
    private readonly int _ops;

    // Per operation (index = its fi_context2's index in _contexts): pinned native, or plain arrays.
    private readonly FiContext2* _contexts;
    private readonly byte* _slots;            // receive slots, then send slots, _slotBytes each
    private readonly OpType[] _type;
    private readonly int[] _peer;
    private readonly object?[] _owner;
    private readonly long[] _length;          // a received record's bytes; a payload receive's expected bytes
    private readonly GCHandle[] _pin;         // a payload received into a managed array
    private readonly bool[] _notify;
    private readonly ulong[] _tag;            // a payload receive's tag
    private readonly nint[] _into;            // a payload receive's buffer ...
    private readonly nuint[] _capacity;       // ... and its bytes (to post it again after a stranger's)
    private readonly nint[] _region;          // a large message's buffer registered for the op (FidMr*; 0: none)
    private readonly Queue<(int Slot, int Error)> _deferred = new(); // payload completions polled from inside a send
    private readonly Stack<int> _freeSends;
    private readonly Stack<int> _freeData;

    // Per peer.
    private readonly ulong[] _address;        // fi_addr, or FiAddrUnspec before the first use
    private readonly int[] _arriving;         // the payload receive streaming from the peer, or -1
    private readonly Queue<int>?[] _held;     // records from the peer that wait for that payload
    private int _heldRecords;                 // in all of _held
    private readonly bool[] _gone;
    private readonly int[] _sendSequence;     // records sent to the peer (in RecordHeader.Reserved)
    private readonly int[] _receiveSequence;  // the next record expected from the peer
    private readonly List<int>?[] _early;     // records from the peer that overtook an earlier one
    private readonly long[] _headerSent;      // the receive id whose Data header went out and whose payload waits for room
    private const long NoHeader = long.MinValue;
    private readonly string?[] _why;
    // Wire-up on first use (see Reach): the peer's address is asked of the job's bootstrap and enters
    // the address vector only when this rank first sends to it or must answer its Hello.
    private readonly Task<string?>?[] _lookup;  // the bootstrap's answer for the peer's address, while asked
    private readonly bool[] _known;           // the peer holds this rank's address: its records from us are attributed
    private readonly bool[] _helloSent;       // this rank sent the peer its Hello (once)
    private readonly bool[] _replyOwed;       // the peer's Hello came: a HelloReply goes once its address is in
    private readonly bool[] _replied;         // ... and went (a later Hello from outside the vector is a stranger's)
    private readonly List<int> _opening = []; // peers with a lookup or a reply under way, served by Progress
    private const int HelloMark = -1, HelloReplyMark = -2; // in RecordHeader.Reserved of a RecordKind.None record
    private readonly List<int> _failed = [];
    private readonly byte* _discard;          // 64 bytes after the slots, in their registered region
    private readonly FidMr* _slotRegion;      // the slots (and _discard), registered once where the endpoint registers buffers
    private readonly void* _slotDescriptor;   // its fi_mr_desc (null: nothing registered)
    private IFrameSink? _sink;
    private volatile TransportException? _abortedByPeer;
    private bool _closed;

    // Strangers (see StrangerMessages).
    private readonly ulong _jobKey;
    private readonly ulong _recordKey;        // the key's bits in a record tag
    private readonly ulong _payloadKey;       // ... in a payload tag
    private readonly bool _checkSources;      // the provider reports each receive's sender (FI_SOURCE)
    private readonly HashSet<ulong> _strangersLogged = [];

    // Waiting (see CollectWaits). Touched under the engine's lock, but _fdFired, which AfterWait sets.
    private string? _whyNoWaitFd;             // null: a blocked rank sleeps on the CQ's wait fd
    private long _completions;                // completions read, ever
    private long _completionsAtWake;          // ... when the last wake-up (fd fired, fi_trywait said no) happened
    private bool _wakePending;                // a wake-up whose worth (did a completion follow?) is not counted yet
    private volatile bool _fdFired;           // the last wait ended for the fd
    private int _idleWakes;                   // wake-ups in a row after which no completion was read
    private bool _sendRefused;                // the provider answered -FI_EAGAIN to the last post of a send, or a peer is being reached

    /// <param name="endpoint">This rank's open endpoint (the transport owns it from here on).</param>
    /// <param name="job">The peers' published addresses and the launcher's word (the TCP mesh's; owned from here on).</param>
    /// <param name="worldRank">This rank.</param>
    /// <param name="worldSize">Ranks in the job.</param>
    /// <param name="eagerLimit">The largest eager payload the engine sends this way (HPCMSG_TCP_EAGER_LIMIT).</param>
    /// <param name="isRemote">Whether a world rank is on another host.</param>
    public OfiTransport(OfiEndpoint endpoint, OfiJobLinks job, int worldRank, int worldSize, int eagerLimit, Func<int, bool> isRemote)
    {
        if (worldSize - 1 > OfiTagLayout.MaxSource) throw TransportException.Error($"the libfabric transport carries at most {OfiTagLayout.MaxSource + 1} ranks, not {worldSize}");
        _endpoint = endpoint;
        _job = job;
        _rank = worldRank;
        _isRemote = isRemote;
        _slotBytes = RecordHeader.Size + Math.Max(eagerLimit, 0);
        int slots = (int)Math.Clamp(32L * 1024 * 1024 / _slotBytes, 8, 64);
        _receiveSlots = slots;
        _sendSlots = slots;
        _ops = _receiveSlots + _sendSlots + DataOps;
        _contexts = (FiContext2*)NativeMemory.AllocZeroed((nuint)_ops, (nuint)sizeof(FiContext2));
        long slotArea = (long)(_receiveSlots + _sendSlots) * _slotBytes;
        _slots = (byte*)NativeMemory.AlignedAlloc((nuint)(slotArea + 64), 64);
        _discard = _slots + slotArea;
        // Where the provider asks for registered local buffers (FI_MR_LOCAL), or HPCMSG_OFI_MR_LOCAL=1: the
        // slots once, here; a large message's buffer per message (SendLarge, StartPayload).
        try { _slotRegion = endpoint.Register(_slots, (nuint)(slotArea + 64)); }
        catch (OfiException e)
        {
            NativeMemory.Free(_contexts);
            NativeMemory.AlignedFree(_slots);
            throw TransportException.Error($"rank {worldRank}: {e.Message}");
        }
        _slotDescriptor = OfiEndpoint.Descriptor(_slotRegion);
        _region = new nint[_ops];
        _type = new OpType[_ops];
        _peer = new int[_ops];
        _owner = new object?[_ops];
        _length = new long[_ops];
        _pin = new GCHandle[_ops];
        _notify = new bool[_ops];
        _tag = new ulong[_ops];
        _into = new nint[_ops];
        _capacity = new nuint[_ops];
        _jobKey = job.JobKey & OfiTagLayout.KeyMask;
        _recordKey = OfiTagLayout.RecordKeyBits(_jobKey);
        _payloadKey = OfiTagLayout.PayloadKeyBits(_jobKey);
        _checkSources = endpoint.ReportsSources;
        _freeSends = new Stack<int>(_sendSlots);
        for (int i = _receiveSlots + _sendSlots - 1; i >= _receiveSlots; i--) _freeSends.Push(i);
        _freeData = new Stack<int>(DataOps);
        for (int i = _ops - 1; i >= _receiveSlots + _sendSlots; i--) _freeData.Push(i);
        _address = new ulong[worldSize];
        Array.Fill(_address, OfiConstants.FiAddrUnspec);
        _arriving = new int[worldSize];
        Array.Fill(_arriving, -1);
        _held = new Queue<int>?[worldSize];
        _gone = new bool[worldSize];
        _sendSequence = new int[worldSize];
        _receiveSequence = new int[worldSize];
        _early = new List<int>?[worldSize];
        _headerSent = new long[worldSize];
        Array.Fill(_headerSent, NoHeader);
        _why = new string?[worldSize];
        _lookup = new Task<string?>?[worldSize];
        _known = new bool[worldSize];
        // Without FI_SOURCE nothing is attributed: a peer's records arrive whether or not this rank holds its address.
        if (!_checkSources) Array.Fill(_known, true);
        _helloSent = new bool[worldSize];
        _replyOwed = new bool[worldSize];
        _replied = new bool[worldSize];
        for (int i = 0; i < _receiveSlots; i++) PostRecordReceive(i);
        // No peer enters the address vector here: each does on first use (Reach).
        _whyNoWaitFd = endpoint.WhyNoWaitFd;
    }

    /// <summary>The provider in use ("net", "tcp;ofi_rxm", ...), for diagnostics.</summary>
    public string Provider => _endpoint.Offer.Provider;

    public string Name => $"libfabric ({Provider})";

    /// <summary>How a blocked rank waits on this transport now, for diagnostics and tests.</summary>
    public string WaitMode => _whyNoWaitFd is string why
        ? $"polls every {WaitSet.MixedWaitMicros} µs: {why}"
        : "sleeps on the completion queue's wait fd";

    /// <summary>Whether the sender of each receive is checked against the address vector (the provider
    /// reports sources: FI_SOURCE); without it only the job key keeps strays out.</summary>
    public bool ChecksSources => _checkSources;

    /// <summary>Messages dropped as not the job's: another job's key, a sender not in the address
    /// vector, or one that is not the rank its tag names.</summary>
    public long StrangerMessages { get; private set; }

    /// <summary>The peers in the address vector (it fills on first use: see <see cref="Reach"/>), for diagnostics and tests.</summary>
    public int AddressVectorEntries
    {
        get
        {
            int n = 0;
            foreach (ulong a in _address) if (a != OfiConstants.FiAddrUnspec) n++;
            return n;
        }
    }

    /// <summary>Whether a blocked rank sleeps on the completion queue's wait fd (false: the bounded poll).</summary>
    public bool WaitsOnFd => _whyNoWaitFd is null;

    /// <summary>Waits this transport was asked to join (<see cref="CollectWaits"/>), for tests.</summary>
    public long WaitsCollected { get; private set; }

    /// <summary>Waits that the completion queue's wait fd ended, for tests.</summary>
    public long FdWakeups { get; private set; }

    /// <summary>Gives up the wait fd for the bounded poll, saying <paramref name="why"/>: what a provider
    /// without a usable wait fd gets (tests measure the one against the other).</summary>
    internal void PollInsteadOfWaiting(string why) => _whyNoWaitFd = why;

    /// <summary>Sleeps on the wait fd even where <see cref="OfiWaiting"/> does not trust the provider
    /// (tests: the watch on wake-ups that bring nothing must then send the rank back to the poll).</summary>
    internal void WaitOnFdAnyway()
    {
        if (_endpoint.WaitFd >= 0) _whyNoWaitFd = null;
    }

    /// <summary>The ranks on other hosts (shared memory reaches the others).</summary>
    public bool Reaches(int peer) => peer != _rank && _isRemote(peer);

    public void Attach(IRecordSink records, IFrameSink frames) => _sink = frames;

    /// <summary>Completions may come at any time: a pass is always worth it.</summary>
    public bool MayHaveWork => true;

    public IReadOnlyList<int> FailedPeers => _failed;

    private IFrameSink Sink => _sink ?? throw new InvalidOperationException("the libfabric transport has no sink attached");

    /// <summary>The text each rank publishes beside its TCP endpoint: "ofi=" and the endpoint's name in hex.</summary>
    public static string Annex(OfiEndpoint endpoint) => AnnexPrefix + Convert.ToHexString(endpoint.Name);

    private const string AnnexPrefix = "ofi=";

    // ---- sending ----

    public SendOutcome SendEager(int peer, int context, int source, int tag, byte* data, long bytes, object owner)
    {
        var h = new RecordHeader
        {
            LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Eager),
            Context = context, Source = source, Tag = tag, MessageBytes = bytes,
        };
        return SendRecord(peer, h, data, bytes);
    }

    public SendOutcome SendRequestToSend(int peer, int context, int source, int tag, long bytes, long address, long sendId)
    {
        var h = new RecordHeader
        {
            LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Rts),
            Context = context, Source = source, Tag = tag, MessageBytes = bytes, Token2 = sendId,
        };
        return SendRecord(peer, h, null, 0);
    }

    public SendOutcome SendControl(int peer, RecordKind kind, long token1, long token2)
    {
        var h = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, kind), Token1 = token1, Token2 = token2 };
        return SendRecord(peer, h, null, 0);
    }

    /// <summary>After clear-to-send: the Data header (a record), then the whole payload as one tagged
    /// send from the sender's buffer, pending until its completion (<see cref="IFrameSink.OnSent"/>).
    /// The header goes first: the receiver posts the payload's receive when it arrives. (The other way
    /// round, net stalled: its connection carries the unexpected payload no further until a receive
    /// matches it, and the header behind it never came.) A payload that finds no room is retried
    /// without the header again (<see cref="_headerSent"/>): the engine calls again for the same send.</summary>
    public SendOutcome SendLarge(int peer, long receiveId, byte* data, long bytes, ref long offset, object owner)
    {
        if (_gone[peer]) return SendOutcome.PeerGone;
        if (_headerSent[peer] != receiveId)
        {
            var h = new RecordHeader
            {
                LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Data),
                MessageBytes = bytes, Token1 = receiveId,
            };
            SendOutcome header = SendRecord(peer, h, null, 0);
            if (header != SendOutcome.Done) return header;
            _headerSent[peer] = receiveId;
        }
        if (_freeData.Count == 0) PollOnce(sendsOnly: true);
        if (_freeData.Count == 0) return SendOutcome.NoRoom;
        int op = _freeData.Pop();
        _type[op] = OpType.PayloadSend;
        _peer[op] = peer;
        _owner[op] = owner;
        bool posted;
        try
        {
            // The sender's own buffer goes to libfabric: registered for this message where buffers are
            // (closed when its completion comes: Release). No copy through the slots: see docs/ofi.md.
            _region[op] = (nint)_endpoint.Register(data, (nuint)bytes);
            posted = _endpoint.TrySend(data, (nuint)bytes, OfiEndpoint.Descriptor((FidMr*)_region[op]), _address[peer], PayloadTag(_rank, receiveId), _contexts + op);
        }
        catch (OfiException e)
        {
            Release(op);
            PeerFailed(peer, e.Message);
            return SendOutcome.PeerGone;
        }
        _sendRefused = !posted;
        if (!posted)
        {
            Release(op);
            PollOnce(sendsOnly: true);
            return SendOutcome.NoRoom;
        }
        _headerSent[peer] = NoHeader;
        offset = bytes;
        return SendOutcome.Pending;
    }

    /// <summary>A record: the header and <paramref name="bytes"/> of payload copied into a send slot
    /// (so the caller's buffer is free on return: <see cref="SendOutcome.Done"/>). No room (no free slot,
    /// or -FI_EAGAIN, as while net opens its connection): the completion queue is read once, so that
    /// the provider progresses, and the engine tries again.</summary>
    private SendOutcome SendRecord(int peer, in RecordHeader header, byte* data, long bytes)
    {
        if (_gone[peer]) return SendOutcome.PeerGone;
        if (RecordHeader.Size + bytes > _slotBytes)
            throw TransportException.Error($"rank {_rank}: an eager message of {bytes} bytes exceeds the libfabric transport's slots ({_slotBytes - RecordHeader.Size} bytes)");
        if (!_known[peer] || _address[peer] == OfiConstants.FiAddrUnspec)
        {
            SendOutcome reached = Reach(peer);
            if (reached != SendOutcome.Done) return reached;
        }
        return PostRecord(peer, header, data, bytes, 0);
    }

    /// <summary>Posts a record to a peer in the address vector: <paramref name="mark"/> 0 numbers it in the
    /// peer's sending order (the receiver restores it); a Hello or HelloReply carries its mark instead.</summary>
    private SendOutcome PostRecord(int peer, in RecordHeader header, byte* data, long bytes, int mark)
    {
        if (_freeSends.Count == 0) PollOnce(sendsOnly: true);
        if (_freeSends.Count == 0) return SendOutcome.NoRoom;
        if (_gone[peer]) return SendOutcome.PeerGone; // the poll may have failed it
        int op = _freeSends.Pop();
        byte* slot = Slot(op);
        *(RecordHeader*)slot = header;
        ((RecordHeader*)slot)->Reserved = mark == 0 ? _sendSequence[peer] : mark;
        if (bytes > 0) Buffer.MemoryCopy(data, slot + RecordHeader.Size, bytes, bytes);
        _type[op] = OpType.RecordSend;
        _peer[op] = peer;
        bool posted;
        try { posted = _endpoint.TrySend(slot, (nuint)(RecordHeader.Size + bytes), _slotDescriptor, _address[peer], RecordTag(_rank), _contexts + op); }
        catch (OfiException e) { Release(op); PeerFailed(peer, e.Message); return SendOutcome.PeerGone; }
        _sendRefused = !posted;
        if (posted)
        {
            if (mark == 0) _sendSequence[peer] = (_sendSequence[peer] + 1) & int.MaxValue; // never a mark's negative value
            return SendOutcome.Done;
        }
        Release(op);
        PollOnce(sendsOnly: true);
        return SendOutcome.NoRoom;
    }

    /// <summary>
    /// Wire-up on first use (issue 17 item 6, as TCP dials on first use): a peer's address is asked of the
    /// job's bootstrap (hpcrun's rendezvous, which answers without blocking the caller, or the PMI KVS)
    /// when this rank first sends to it, and enters the address vector when the answer is there. Where the
    /// provider attributes receives (FI_SOURCE), the peer must also hold this rank's address, or it could
    /// not tell this rank's records from a stranger's (they would come as FI_ADDR_NOTAVAIL): the first
    /// record is then a Hello (no payload, not numbered), and records follow once the peer has answered,
    /// with a HelloReply or any record (an attributed record proves that its sender holds our address).
    /// The peer answers a Hello from outside its address vector by looking this rank's address up,
    /// inserting it, and replying (<see cref="ServeReplies"/>). Until then: <see cref="SendOutcome.NoRoom"/>,
    /// and a blocked rank polls (<see cref="_sendRefused"/>).
    /// </summary>
    private SendOutcome Reach(int peer)
    {
        _sendRefused = true;
        if (!Resolve(peer)) return _gone[peer] ? SendOutcome.PeerGone : SendOutcome.NoRoom;
        if (_known[peer]) return SendOutcome.Done;
        if (!_helloSent[peer])
        {
            var hello = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.None) };
            SendOutcome o = PostRecord(peer, hello, null, 0, HelloMark);
            if (o == SendOutcome.PeerGone) return o;
            _helloSent[peer] = o == SendOutcome.Done;
        }
        _sendRefused = true;
        return SendOutcome.NoRoom;
    }

    /// <summary>Whether <paramref name="peer"/> is in the address vector: its published address is asked
    /// of the bootstrap on the first call (false until the answer comes), then inserted. A failed lookup
    /// or insert fails the peer.</summary>
    private bool Resolve(int peer)
    {
        if (_address[peer] != OfiConstants.FiAddrUnspec) return true;
        if (_gone[peer]) return false;
        Task<string?> lookup;
        try { lookup = _lookup[peer] ??= _job.AnnexOf(peer); }
        catch (Exception e) when (BootstrapFailure.Is(e)) { PeerFailed(peer, e.Message); return false; }
        if (!lookup.IsCompleted) return false;
        _lookup[peer] = null;
        try { AddressOf(peer, lookup.GetAwaiter().GetResult()); }
        catch (Exception e) when (e is OfiException or TransportException || BootstrapFailure.Is(e))
        {
            PeerFailed(peer, $"rank {_rank}: cannot reach rank {peer} over libfabric: {e.Message}");
            return false;
        }
        return true;
    }

    /// <summary>The peer's fi_addr, inserted into the address vector from the address it published.</summary>
    private ulong AddressOf(int peer, string? annex)
    {
        ulong a = _address[peer];
        if (a != OfiConstants.FiAddrUnspec) return a;
        string published = annex ?? throw new OfiException("fi_av_insert", 0, $"rank {peer} published no libfabric address (is it running over TCP?)");
        if (!published.StartsWith(AnnexPrefix, StringComparison.Ordinal))
            throw new OfiException("fi_av_insert", 0, $"rank {peer} published '{published}', not a libfabric address");
        byte[] name;
        try { name = Convert.FromHexString(published.AsSpan(AnnexPrefix.Length)); }
        catch (FormatException) { throw new OfiException("fi_av_insert", 0, $"rank {peer} published a malformed libfabric address"); }
        return _address[peer] = _endpoint.InsertPeer(name);
    }

    // ---- progress ----

    public bool Progress() => PollOnce(sendsOnly: false);

    /// <summary>Reads the completion queue once. With <paramref name="sendsOnly"/> (from inside a send,
    /// to free a slot) arrivals are not handed to the engine but held, in order, for the next pass.</summary>
    private bool PollOnce(bool sendsOnly)
    {
        if (_closed) return false;
        bool progressed = false;
        if (!sendsOnly)
        {
            while (_deferred.TryDequeue(out (int Slot, int Error) d))
            {
                PayloadArrived(d.Slot, d.Error);
                progressed = true;
            }
            progressed |= DrainHeld();
            if (_opening.Count > 0) progressed |= ServeReplies();
        }
        Span<OfiCompletion> done = stackalloc OfiCompletion[PollBatch];
        int n;
        try { n = _endpoint.Poll(done); }
        catch (OfiException e) { throw TransportException.Error($"rank {_rank}: the libfabric completion queue failed: {e.Message}"); }
        _completions += n;
        for (int i = 0; i < n; i++)
        {
            progressed = true;
            Complete(done[i], sendsOnly);
        }
        return progressed;
    }

    private void Complete(in OfiCompletion c, bool sendsOnly)
    {
        int op = (int)((c.Context - (nint)_contexts) / sizeof(FiContext2));
        if ((uint)op >= (uint)_ops) throw TransportException.Error($"rank {_rank}: libfabric completed an operation HpcMsg did not post");
        int peer = _peer[op];
        switch (_type[op])
        {
            case OpType.RecordSend:
                Release(op);
                if (c.Error != 0) SendFailed(peer, c.Error);
                return;
            case OpType.PayloadSend:
                object? owner = _owner[op];
                Release(op);
                if (c.Error != 0) SendFailed(peer, c.Error); // hands the owner back (OnUnsent) if still ours
                else if (owner is not null && !_gone[peer]) Sink.OnSent(peer, owner, RecordKind.Data);
                return;
            case OpType.RecordReceive:
                if (c.Error != 0)
                {
                    if (c.Error == OfiConstants.FiEAddrNotAvail) Stranger(c.Source, "a sender not in the job's address vector");
                    if (!_closed) PostRecordReceive(op); // a truncated stranger's record, or cancelled at close
                    return;
                }
                int source = (int)((c.Tag & SourceMask) >> SourceShift);
                if (OfiTagLayout.KeyOfRecord(c.Tag) != _jobKey)
                {
                    Stranger(c.Source, "another job's key in the tag");
                    PostRecordReceive(op);
                    return;
                }
                if ((uint)source >= (uint)_address.Length || !Reaches(source))
                {
                    Stranger(c.Source, "a tag naming no rank on another host");
                    PostRecordReceive(op);
                    return;
                }
                if (c.Length < RecordHeader.Size)
                {
                    PostRecordReceive(op);
                    return;
                }
                int mark = ((RecordHeader*)Slot(op))->Reserved;
                bool hello = RecordHeader.KindOf(((RecordHeader*)Slot(op))->LengthAndKind) == RecordKind.None && mark is HelloMark or HelloReplyMark;
                // FI_ADDR_NOTAVAIL (a sender outside the address vector) equals FI_ADDR_UNSPEC (a rank
                // not in it yet), so that comes first. Only a Hello may come from outside: the sender's
                // address is then looked up and inserted, and the answer goes to that address, so a
                // forged Hello only makes this rank greet the real rank (once: after that it is a stranger's).
                if (_checkSources && c.Source == OfiConstants.FiAddrNotAvail)
                {
                    if (mark == HelloMark && hello && !_replied[source]) OweReply(source);
                    else Stranger(c.Source, "a sender not in the job's address vector");
                    PostRecordReceive(op);
                    return;
                }
                if (_checkSources && c.Source != _address[source])
                {
                    Stranger(c.Source, "a tag naming another rank than its sender");
                    PostRecordReceive(op);
                    return;
                }
                _known[source] = true; // it sent from the address this rank holds: it holds ours
                if (hello)
                {
                    if (mark == HelloMark) OweReply(source);
                    PostRecordReceive(op);
                    return;
                }
                _peer[op] = source;
                _length[op] = (long)c.Length;
                if (((RecordHeader*)Slot(op))->Reserved != _receiveSequence[source])
                {
                    (_early[source] ??= []).Add(op); // overtaken (tcp;ofi_rxm completes a segmented record after a later small one)
                    return;
                }
                InOrder(op, source, sendsOnly);
                List<int>? early = _early[source];
                while (early is { Count: > 0 })
                {
                    int next = early.Count - 1;
                    while (next >= 0 && ((RecordHeader*)Slot(early[next]))->Reserved != _receiveSequence[source]) next--;
                    if (next < 0) break;
                    int e = early[next];
                    early.RemoveAt(next);
                    InOrder(e, source, sendsOnly);
                }
                return;
            case OpType.PayloadReceive:
                if (c.Error == 0 && _checkSources && c.Source != _address[peer] && !_closed)
                {
                    // A stranger's message with this payload's tag took the receive: post it again for the peer's.
                    Stranger(c.Source, "a payload from another sender than the rank its tag names");
                    if (!_endpoint.TryReceive((byte*)_into[op], _capacity[op], Descriptor(op), OfiConstants.FiAddrUnspec, _tag[op], 0, _contexts + op))
                        PeerFailed(peer, $"rank {_rank}: libfabric has no room to receive rank {peer}'s message again after a stranger's");
                    return;
                }
                if (sendsOnly) _deferred.Enqueue((op, c.Error));
                else PayloadArrived(op, c.Error);
                return;
        }
    }

    /// <summary>A Hello of <paramref name="peer"/> came: a HelloReply goes once its address is in the
    /// address vector (<see cref="ServeReplies"/>, from the next progress pass).</summary>
    private void OweReply(int peer)
    {
        if (_replyOwed[peer] || _gone[peer]) return;
        _replyOwed[peer] = true;
        _opening.Add(peer);
    }

    /// <summary>The HelloReplies owed: each peer's address is resolved (asked of the bootstrap, inserted),
    /// then the reply posted; what has no answer or no room yet waits for the next pass.</summary>
    private bool ServeReplies()
    {
        bool any = false;
        for (int i = _opening.Count - 1; i >= 0; i--)
        {
            int peer = _opening[i];
            if (!_gone[peer])
            {
                if (!Resolve(peer) && !_gone[peer]) continue;
                if (!_gone[peer])
                {
                    var reply = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.None) };
                    if (PostRecord(peer, reply, null, 0, HelloReplyMark) == SendOutcome.NoRoom) continue;
                    _replied[peer] = true;
                }
            }
            _replyOwed[peer] = false;
            _opening.RemoveAt(i);
            any = true;
        }
        return any;
    }

    /// <summary>The next record of <paramref name="source"/> in its sending order: to the engine now, or
    /// held behind a payload that streams in (or until the next pass, when taken while sending).</summary>
    private void InOrder(int op, int source, bool sendsOnly)
    {
        _receiveSequence[source] = (_receiveSequence[source] + 1) & int.MaxValue;
        Queue<int> held = _held[source] ??= new Queue<int>();
        if (sendsOnly || _arriving[source] >= 0 || held.Count > 0 || !HandleRecord(op))
        {
            held.Enqueue(op);
            _heldRecords++;
        }
    }

    /// <summary>Records held back (behind a payload, or taken while sending) go to the engine, in order.</summary>
    private bool DrainHeld()
    {
        bool any = false;
        if (_heldRecords == 0) return false; // the usual case: no pass over every peer
        for (int peer = 0; peer < _held.Length; peer++)
        {
            Queue<int>? held = _held[peer];
            while (held is { Count: > 0 } && _arriving[peer] < 0)
            {
                if (!HandleRecord(held.Peek())) break;
                held.Dequeue();
                _heldRecords--;
                any = true;
            }
        }
        return any;
    }

    /// <summary>Hands one record to the engine; false (nothing done) when a payload receive cannot be posted yet.</summary>
    private bool HandleRecord(int op)
    {
        int peer = _peer[op];
        byte* slot = Slot(op);
        RecordHeader header = *(RecordHeader*)slot;
        long payload = _length[op] - RecordHeader.Size;
        switch (RecordHeader.KindOf(header.LengthAndKind))
        {
            case RecordKind.Bye:
                break;
            case RecordKind.Abort:
                _abortedByPeer ??= TransportException.JobAborted(peer, (int)header.Token1);
                break;
            case RecordKind.Eager:
                if (header.MessageBytes != payload)
                {
                    PostRecordReceive(op);
                    PeerFailed(peer, $"rank {_rank}: rank {peer} sent an eager record of {payload} bytes announcing {header.MessageBytes}");
                    return true;
                }
                Deliver(peer, header, slot + RecordHeader.Size, payload);
                break;
            case RecordKind.Data:
                if (_freeData.Count == 0) return false;
                StartPayload(peer, header);
                break;
            default:
                Deliver(peer, header, null, 0);
                break;
        }
        if (!_closed) PostRecordReceive(op);
        return true;
    }

    /// <summary>Where the engine wants the payload of <paramref name="header"/>; false when the peer is
    /// gone, or the engine refused the header (then the peer is failed with the engine's reason).</summary>
    private bool TryTarget(int peer, in RecordHeader header, out PayloadTarget target)
    {
        target = default;
        if (_gone[peer]) return false;
        try { target = Sink.OnHeader(peer, header); }
        catch (TransportException e)
        {
            PeerFailed(peer, e.Message);
            return false;
        }
        return true;
    }

    /// <summary>A record whose payload (if any) is in the slot: the engine says where it goes, it is copied there.</summary>
    private void Deliver(int peer, in RecordHeader header, byte* payload, long bytes)
    {
        if (!TryTarget(peer, header, out PayloadTarget target)) return;
        if (target.Length == 0)
        {
            if (target.Notify) Sink.OnPayloadDone(peer);
            return;
        }
        long n = Math.Min(target.Length, bytes);
        if (!target.Discard)
        {
            if (target.Managed is not null) new ReadOnlySpan<byte>(payload, (int)n).CopyTo(target.Managed);
            else Buffer.MemoryCopy(payload, target.Native, n, n);
        }
        Sink.OnPayloadDone(peer);
    }

    /// <summary>A large message's header: the engine names the receive's buffer; a tagged receive for
    /// exactly this payload is posted into it, and records from the peer wait until it completes.</summary>
    private void StartPayload(int peer, in RecordHeader header)
    {
        if (!TryTarget(peer, header, out PayloadTarget target)) return;
        int op = _freeData.Pop();
        _type[op] = OpType.PayloadReceive;
        _peer[op] = peer;
        _length[op] = target.Length;
        _notify[op] = target.Length > 0 || target.Notify;
        byte* into = _discard;
        nuint capacity = 0;
        if (!target.Discard && target.Length > 0)
        {
            if (target.Managed is not null)
            {
                _pin[op] = GCHandle.Alloc(target.Managed, GCHandleType.Pinned);
                into = (byte*)_pin[op].AddrOfPinnedObject();
            }
            else into = target.Native;
            capacity = (nuint)target.Length;
        }
        _arriving[peer] = op;
        bool posted;
        _tag[op] = PayloadTag(peer, header.Token1);
        _into[op] = (nint)into;
        _capacity[op] = capacity;
        try
        {
            _region[op] = (nint)_endpoint.Register(into, capacity); // none for a dropped payload: _discard is in the slots' region
            posted = _endpoint.TryReceive(into, capacity, Descriptor(op), OfiConstants.FiAddrUnspec, _tag[op], 0, _contexts + op);
        }
        catch (OfiException e)
        {
            posted = false;
            ReleaseReceive(op); // its region (if registered) closed, its pin freed: nothing was posted
            PeerFailed(peer, e.Message);
        }
        if (!posted && !_gone[peer])
        {
            ReleaseReceive(op);
            PeerFailed(peer, $"rank {_rank}: libfabric has no room for the receive of rank {peer}'s {header.MessageBytes}-byte message");
        }
    }

    private void PayloadArrived(int op, int error)
    {
        int peer = _peer[op];
        bool notify = _notify[op];
        bool discarded = _owner[op] is not null; // DiscardRestOfPayload marked it
        ulong tag = _tag[op];
        ReleaseReceive(op);
        _tag[op] = tag;
        if (_arriving[peer] == op) _arriving[peer] = -1;
        if (_gone[peer] || _closed) return;
        // FI_ETRUNC is what a dropped payload (posted into nothing) completes with; FI_ECANCELED follows DiscardRestOfPayload.
        if (error != 0 && error != OfiConstants.FiETrunc && error != OfiConstants.FiECanceled)
        {
            PeerFailed(peer, $"rank {_rank}: receiving a message of rank {peer} failed ({_endpoint.ErrorText(error)})");
            return;
        }
        if (error == OfiConstants.FiECanceled && discarded)
        {
            // Withdrawn before it matched: the payload still comes; a receive into nothing takes it.
            int drop = _freeData.Pop(); // the op just released
            _type[drop] = OpType.PayloadReceive;
            _peer[drop] = peer;
            _notify[drop] = notify;
            _tag[drop] = _tag[op];
            _into[drop] = (nint)_discard;
            _capacity[drop] = 0;
            _owner[drop] = this;
            _arriving[peer] = drop;
            if (!_endpoint.TryReceive(_discard, 0, _slotDescriptor, OfiConstants.FiAddrUnspec, _tag[drop], 0, _contexts + drop))
                PeerFailed(peer, $"rank {_rank}: libfabric has no room to drop rank {peer}'s abandoned message");
            return;
        }
        if (notify) Sink.OnPayloadDone(peer); // after a drop too, as TCP reads the rest, then says so
    }

    /// <summary>The receive that <paramref name="peer"/>'s payload streams into was abandoned: the posted
    /// receive is cancelled where the provider still can (its completion then reports it done).</summary>
    public void DiscardRestOfPayload(int peer)
    {
        int op = _arriving[peer];
        if (op < 0) return;
        _owner[op] = this; // marks it discarded
        _endpoint.Cancel(_contexts + op);
    }

    /// <summary>A large payload is handed to libfabric whole, from the sender's buffer, when it is posted;
    /// eager payloads are copied at once. Nothing is left to take from the copy.</summary>
    public void RetargetPayload(int peer, object owner, byte* copy) { }

    // ---- failures, the job's end ----

    private void SendFailed(int peer, int error) =>
        PeerFailed(peer, $"rank {_rank}: a libfabric send to rank {peer} failed ({_endpoint.ErrorText(error)}): the rank is gone");

    /// <summary>What involves <paramref name="peer"/> fails: the owners of its payload sends are handed
    /// back (<see cref="IFrameSink.OnUnsent"/>), then the engine fails the rest.</summary>
    private void PeerFailed(int peer, string why)
    {
        if (_gone[peer]) return;
        _gone[peer] = true;
        _why[peer] = why;
        _failed.Add(peer);
        for (int op = _receiveSlots + _sendSlots; op < _ops; op++)
        {
            if (_type[op] == OpType.PayloadSend && _peer[op] == peer && _owner[op] is { } owner)
            {
                _owner[op] = null; // its completion, if one comes, only frees the op
                Sink.OnUnsent(peer, owner);
            }
        }
        _headerSent[peer] = NoHeader;
        // Its records that wait give their slots back (nothing of the peer reaches the engine any more).
        while (_held[peer] is { Count: > 0 } held)
        {
            RepostUnlessClosed(held.Dequeue());
            _heldRecords--;
        }
        if (_early[peer] is { } early)
        {
            foreach (int op in early) RepostUnlessClosed(op);
            early.Clear();
        }
        Sink.OnPeerFailed(peer);
    }

    public TransportException PeerFailure(int peer) =>
        TransportException.PeerLost(peer, _why[peer] ?? $"rank {_rank}: rank {peer} is gone");

    public TransportException? JobEndingError()
    {
        if (_abortedByPeer is { } a) return TransportException.JobAborted(a.Rank, a.Code);
        return _job.LauncherEnding();
    }

    /// <summary>The peers in the address vector (libfabric has no connections to show; a peer enters it
    /// on first use), and whether a peer's Hello still waits for this rank's answer.</summary>
    public (int[] Peers, bool Opening) ConnectedPeers()
    {
        var peers = new List<int>();
        for (int r = 0; r < _address.Length; r++)
            if (_address[r] != OfiConstants.FiAddrUnspec && !_gone[r]) peers.Add(r);
        return ([.. peers], _opening.Count > 0);
    }

    public void BeginAbort(int errorCode) => _job.TellLauncherAbort(errorCode);

    /// <summary>An Abort record to every peer this rank has talked to (in the address vector, holding this
    /// rank's address), best effort within a second; the others learn it from the launcher.</summary>
    public void AnnounceAbort(int errorCode)
    {
        var h = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Abort), Token1 = errorCode };
        for (int r = 0; r < _address.Length; r++)
            if (_address[r] != OfiConstants.FiAddrUnspec && _known[r] && !_gone[r]) SendRecord(r, h, null, 0);
        DrainSends(TimeSpan.FromSeconds(1));
    }

    /// <summary>What a blocked rank waits on for libfabric (the engine calls this under its lock, after a
    /// progress pass that found nothing): the completion queue's wait fd, once fi_trywait says that the
    /// rank may block on it; when it says no (completions are there), a wait that does not block, so that
    /// the next pass reads them. The bounded poll (<see cref="WaitSet.MixedWaitMicros"/> µs) instead when
    /// the provider has no usable wait fd, while the provider refuses a send (-FI_EAGAIN: net and rxm
    /// move a connection being opened only when asked), or after <see cref="OfiWaiting.IdleWakeLimit"/>
    /// wake-ups in a row that brought nothing (a provider whose fd fires for nothing: the rank would spin
    /// through its wait). Records held back from the engine, and payload completions taken while
    /// sending, are work for the next pass: no blocking then. The mesh's bell (the job is ending, as the
    /// node ring learnt) joins the wait too.</summary>
    public void CollectWaits(WaitSet set)
    {
        WaitsCollected++;
        if (_job.Bell is { } bell) set.AddReadable(bell);
        if (_closed) return;
        if (_deferred.Count > 0 || HeldRecordsReady())
        {
            set.Limit(0);
            return;
        }
        if (!TryJoinWait(set)) set.Limit(WaitSet.MixedWaitMicros);
    }

    /// <summary>The fd (or a wait that does not block) into <paramref name="set"/>; false: poll instead.</summary>
    private bool TryJoinWait(WaitSet set)
    {
        if (_whyNoWaitFd is not null || _sendRefused || _opening.Count > 0) return false;
        if (_fdFired)
        {
            _fdFired = false;
            _wakePending = true;
        }
        if (_wakePending)
        {
            _wakePending = false;
            _idleWakes = _completions == _completionsAtWake ? _idleWakes + 1 : 0;
            if (_idleWakes >= OfiWaiting.IdleWakeLimit)
            {
                _whyNoWaitFd = $"{Provider}'s wait fd woke this rank {OfiWaiting.IdleWakeLimit} times in a row with no completion to read";
                return false;
            }
        }
        int rc = _endpoint.TryWait();
        _completionsAtWake = _completions;
        if (rc == 0)
        {
            set.AddReadableFd(_endpoint.WaitFd);
            return true;
        }
        if (rc == -OfiConstants.FiEAgain)
        {
            _wakePending = true; // a wake-up too: the next pass should find something
            set.Limit(0);
            return true;
        }
        _whyNoWaitFd = $"fi_trywait on {Provider}'s completion queue failed: {_endpoint.ErrorText(-rc)}";
        return false;
    }

    /// <summary>Records held back that the next pass can hand over (none waits behind a payload).</summary>
    private bool HeldRecordsReady()
    {
        if (_heldRecords == 0) return false;
        for (int peer = 0; peer < _held.Length; peer++)
        {
            if (_held[peer] is { Count: > 0 } && _arriving[peer] < 0) return true;
        }
        return false;
    }

    /// <summary>After the wait (outside the engine's lock): notes whether the fd ended it (its worth is
    /// counted at the next <see cref="CollectWaits"/>), and silences the mesh's bell if it rang.</summary>
    public void AfterWait(WaitSet set)
    {
        if (_job.Bell is { } bell && set.Fired(bell)) _job.SilenceBell?.Invoke();
        if (_whyNoWaitFd is null && set.Polled && _endpoint.WaitFd >= 0 && set.Fired(_endpoint.WaitFd))
        {
            _fdFired = true;
            FdWakeups++;
        }
    }

    /// <summary>Finalize: the sends still in flight complete (bounded), then the endpoint and the mesh go.</summary>
    public void Close()
    {
        if (_closed) return;
        DrainSends(TimeSpan.FromSeconds(2));
        _closed = true;
        _endpoint.Dispose(); // closes the endpoint, then every region still registered (the slots', large messages')
        Array.Clear(_region);
        for (int op = 0; op < _ops; op++)
            if (_pin[op].IsAllocated) _pin[op].Free();
        NativeMemory.Free(_contexts);
        NativeMemory.AlignedFree(_slots);
        _job.Mesh.Dispose();
    }

    private void DrainSends(TimeSpan limit)
    {
        long deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        while (Environment.TickCount64 < deadline && SendsInFlight())
        {
            try { PollOnce(sendsOnly: true); }
            catch (TransportException) { return; }
            Thread.Yield();
        }
    }

    private bool SendsInFlight()
    {
        for (int op = _receiveSlots; op < _ops; op++)
            if (_type[op] is OpType.RecordSend or OpType.PayloadSend) return true;
        return false;
    }

    // ---- slots ----

    private ulong RecordTag(int source) => TransportBit | _recordKey | ((ulong)source << SourceShift);

    /// <summary>The tag of <paramref name="source"/>'s payload for its large message <paramref name="receiveId"/>
    /// (internal: the tests forge one).</summary>
    internal ulong PayloadTag(int source, long receiveId) => TransportBit | PayloadBit | _payloadKey | ((ulong)source << SourceShift) | (uint)receiveId;

    /// <summary>A message that is not the job's was dropped: counted, and logged once per sending
    /// address (FI_ADDR_NOTAVAIL stands for every sender outside the address vector), as the TCP
    /// mesh logs the strangers it refuses.</summary>
    private void Stranger(ulong from, string why)
    {
        StrangerMessages++;
        if (!_strangersLogged.Add(from)) return;
        string sender = from == OfiConstants.FiAddrNotAvail ? "an endpoint outside the job" : $"the endpoint of rank {RankAt(from)}";
        Console.Error.WriteLine($"hpcmsg: rank {_rank} dropped a libfabric message from {sender}: {why} (further ones from it are dropped silently)");
    }

    private int RankAt(ulong address)
    {
        for (int r = 0; r < _address.Length; r++)
            if (_address[r] == address) return r;
        return -1;
    }

    private byte* Slot(int op) => _slots + (long)op * _slotBytes;

    private void PostRecordReceive(int op)
    {
        _type[op] = OpType.RecordReceive;
        _peer[op] = -1;
        if (!_endpoint.TryReceive(Slot(op), (nuint)_slotBytes, _slotDescriptor, OfiConstants.FiAddrUnspec, TransportBit, OfiTagLayout.RecordIgnore, _contexts + op))
            throw TransportException.Error($"rank {_rank}: libfabric ({Provider}) has no room for {_receiveSlots} posted receives");
    }

    private void RepostUnlessClosed(int op)
    {
        if (!_closed) PostRecordReceive(op);
    }

    /// <summary>The descriptor of the buffer <paramref name="op"/> posts: its own region (a large message's), else the slots'.</summary>
    private void* Descriptor(int op) => _region[op] != 0 ? OfiEndpoint.Descriptor((FidMr*)_region[op]) : _slotDescriptor;

    private void Release(int op)
    {
        if (_region[op] != 0 && !_closed)
        {
            _endpoint.Deregister((FidMr*)_region[op]);
            _region[op] = 0;
        }
        _type[op] = OpType.Free;
        _owner[op] = null;
        if (op < _receiveSlots + _sendSlots) _freeSends.Push(op);
        else _freeData.Push(op);
    }

    private void ReleaseReceive(int op)
    {
        if (_pin[op].IsAllocated) _pin[op].Free();
        Release(op);
    }
}

/// <summary>What the libfabric transport needs of the job's bootstrap, which the TCP mesh keeps (a
/// transport names no other transport, so Init hands these over): what a rank published after its
/// TCP endpoint (asked on first use; the task completes with the bootstrap's answer), the launcher's word that the job is ending, the way to tell the launcher this rank
/// aborts, and the mesh itself, closed with the transport. <paramref name="Bell"/> (optional) is the
/// mesh's bell, readable when the job is ending (the node ring learnt it), which a blocked rank waits
/// on too; <paramref name="SilenceBell"/> empties it. <paramref name="JobKey"/>: the job's key in every
/// tag (<see cref="OfiTagLayout.JobKey"/> of the job secret), so that another job's strays never match.</summary>
internal sealed record OfiJobLinks(
    Func<int, Task<string?>> AnnexOf,
    Func<TransportException?> LauncherEnding,
    Action<int> TellLauncherAbort,
    IDisposable Mesh,
    Socket? Bell = null,
    Action? SilenceBell = null,
    ulong JobKey = 0);
