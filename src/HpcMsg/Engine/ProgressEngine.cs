using System.Runtime.CompilerServices;
using HpcMsg.Bootstrap;
using HpcMsg.Internal;
using HpcMsg.Transports;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Engine;

/// <summary>
/// The heart of a rank: the matching queues, the eager and rendezvous protocols, and the progress
/// loop that drains what the transports received and pushes what waits for room. Every entry
/// point takes one uncontended lock, so that an await pump thread and the user's thread may both
/// drive progress; nothing in the per-message path allocates.
/// </summary>
internal sealed unsafe partial class ProgressEngine : IDisposable
{
    private readonly EngineLock _lock = new();
    private readonly NodeTransport? _node; // the ranks of this node (shared memory today): one virtual call per operation
    private readonly RecordDrain? _drain;  // _node's records into the engine's RecordSink (one virtual call per pass)
    private readonly ITransport[] _transports; // every transport of this rank, the node transport first
    private readonly ITransport[] _networks;   // the transports but the node transport (progress, waits, failures)
    private readonly ITransport?[] _route;     // world rank -> the transport that reaches it (null: self, or none)
    private readonly int[] _eagerLimitOf;      // world rank -> the eager limit of its transport
    /// <summary>The wait of a thread that sleeps (the user's and the await pump may sleep at once; a
    /// set is reused by its thread, so a wait allocates nothing).</summary>
    [ThreadStatic] private static WaitSet? t_waitSet;
    private readonly OutboundQueue[] _pending;
    private int _pendingDestinations;
    private readonly PostedReceiveQueue _posted;
    private readonly UnexpectedMessageQueue _unexpected;
    private readonly InboundMessagePool _inboundPool = new();
    // Sized for a send and a receive in flight to every rank (Alltoall and Allgather post them all at
    // once): it grew from empty inside the program's first such collective (three resizes at np 4,
    // each an allocation and a rehash; seen as Dictionary.Resize in the runtime's trace of that call).
    private readonly Dictionary<long, Operation> _rendezvous;
    private long _nextRendezvousId;
    // By world rank: the kernel refused this rank a single-copy read of that peer (EPERM and the like),
    // so its large messages come through the ring pipeline from then on. Per pair: a refusal says
    // something about the two processes (uids, Yama, seccomp, dumpability), not about the node.
    private readonly bool[] _directReadRefused;
    private long _directReads;
    private long _pipelinedReceives; // large messages that came through the ring pipeline
    // Large sends to ranks of this node not yet completed, by destination and in all (counted only
    // where the choice of path is the engine's, LargeMessagePath.Auto): a request-to-send written while
    // others to other ranks are in flight says so (RecordKind.RtsFromBusySender, PreferSingleCopy).
    private readonly int[]? _nodeLargeSends;
    private int _nodeLargeSendsInFlight;
    private readonly bool _asymmetricFence; // see WakeIfSleeping and Sleep
    private readonly WakeSignal _signal; // what this rank sleeps on
    private readonly bool _privateSignal; // allocated here (no node transport): freed at dispose
    private readonly int _launcherPid;
    private bool _disposed;

    /// <summary>This rank's transports, the node transport first: for tests and diagnostics.</summary>
    internal IReadOnlyList<ITransport> Transports =>
        [.. _transports.Select(t => t is GuardedTransport g ? g.Inner : t)];

    /// <summary>Large messages this rank has received as single copies (process_vm_readv): for tests and diagnostics.</summary>
    internal long DirectReads
    {
        get
        {
            using (_lock.EnterScope()) return _directReads;
        }
    }

    /// <summary>Large messages this rank has received through the ring pipeline: for tests and diagnostics.</summary>
    internal long PipelinedReceives
    {
        get
        {
            using (_lock.EnterScope()) return _pipelinedReceives;
        }
    }

    /// <summary>Whether the kernel has refused this rank a single-copy read of <paramref name="peer"/>
    /// (its large messages then come through the ring pipeline): for tests and diagnostics.</summary>
    internal bool DirectReadRefused(int peer)
    {
        using (_lock.EnterScope()) return _directReadRefused[peer];
    }

    public int WorldRank { get; }
    public int WorldSize { get; }
    public EngineConfig Config { get; }

    /// <summary>The engine of this rank over its transports: <paramref name="node"/> for the ranks of its
    /// node, <paramref name="network"/> for the others (each peer goes to the first that reaches it).
    /// <paramref name="config"/>: tunables; null reads them from the environment, the eager limit
    /// bounded by the node transport's largest record (the composition root and tests pass their own).</summary>
    public ProgressEngine(JobEnvironment job, NodeTransport? node, ITransport? network = null, EngineConfig? config = null)
    {
        WorldRank = job.Rank;
        WorldSize = job.Size;
        _node = node;
        _launcherPid = job.LauncherPid;
        _networks = network is null ? [] : [new GuardedTransport(network)]; // its failures leave as the public exceptions
        _transports = node is null ? _networks : [node, .. _networks];
        _arriving = new ArrivingFrame[WorldSize];
        _pending = new OutboundQueue[WorldSize];
        _rendezvous = new Dictionary<long, Operation>(Math.Min(2 * WorldSize, 4096) + 16);
        _posted = new PostedReceiveQueue(WorldSize);
        _unexpected = new UnexpectedMessageQueue(WorldSize);
        for (int r = 0; r < WorldSize; r++) _pending[r] = new OutboundQueue();
        Config = config ?? EngineConfig.FromEnvironment(node?.MaxRecordPayload, job.Oversubscribed);
        _asymmetricFence = Config.AsymmetricFence && Native.TryEnableGlobalMembarrier();
        _directReadRefused = new bool[WorldSize];
        if (node is not null && Config.LargePath == LargeMessagePath.Auto) _nodeLargeSends = new int[WorldSize];
        if (node is not null)
        {
            if (Config.UseCrossMemoryAttach) node.PermitDirectReads();
            node.SkipWakeFence(_asymmetricFence);
            _signal = node.OwnSignal;
        }
        else
        {
            _signal = WakeSignal.AllocatePrivate();
            _privateSignal = true;
        }
        var records = new RecordSink(this);
        _drain = node?.DrainInto(records);
        _route = new ITransport?[WorldSize];
        _eagerLimitOf = new int[WorldSize];
        for (int peer = 0; peer < WorldSize; peer++)
        {
            if (peer == WorldRank) continue;
            _route[peer] = Array.Find(_transports, t => t.Reaches(peer));
            _eagerLimitOf[peer] = node is not null && ReferenceEquals(_route[peer], node) ? Config.EagerLimit : Config.TcpEagerLimit;
        }
        foreach (ITransport t in _transports) t.Attach(records, this);
    }

    /// <summary>The engine's side of <see cref="IRecordSink"/>: a struct, so that the node transport's
    /// drain, made for this type (<see cref="NodeTransport.DrainInto{TSink}"/>), calls
    /// <see cref="HandleRecord"/> directly for each record.</summary>
    private readonly struct RecordSink(ProgressEngine engine) : IRecordSink
    {
        public bool OnRecord(int sourceWorld, RecordHeader* header)
        {
            engine.HandleRecord(sourceWorld, header, RecordHeader.KindOf(header->LengthAndKind));
            return engine._passAwaits is { CompletedFlag: true };
        }
    }

    /// <summary>The operation of the blocking call that drives the current pass, if any: the node
    /// transport ends its pass over a sender's records once it has completed (see IRecordSink.OnRecord).
    /// Set by every pass before it drains.</summary>
    private Operation? _passAwaits;

    /// <summary>One pass over what every transport received and every pending outgoing item. Caller
    /// holds the lock. <paramref name="awaited"/>: the operation of the blocking call that drives it.</summary>
    private bool ProgressLocked(Operation? awaited = null)
    {
        bool progressed = _networks.Length > 0 && ProgressNetworks();
        _passAwaits = awaited;
        if (_drain is not null) progressed |= _drain.Drain();
        if (_pendingDestinations > 0) progressed |= PushPending();
        return progressed;
    }

    /// <summary>A whole message from a ring: to its posted receive, or copied out as unexpected.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void HandleEager(int srcWorld, int context, int source, int tag, byte* payload, long bytes)
    {
        Operation? r = _posted.TakeMatch(context, source, srcWorld, tag);
        if (r is not null)
        {
            DeliverEager(r, source, tag, payload, bytes);
        }
        else
        {
            InboundMessage m = _inboundPool.Rent();
            SetHeader(m, InboundKind.Eager, context, source, srcWorld, tag, bytes);
            m.Data = System.Buffers.ArrayPool<byte>.Shared.Rent((int)bytes);
            new ReadOnlySpan<byte>(payload, (int)bytes).CopyTo(m.Data);
            _unexpected.Append(m);
        }
    }

    private void HandleRecord(int srcWorld, RecordHeader* h, RecordKind kind)
    {
        switch (kind)
        {
            case RecordKind.ShortEager:
            {
                var s = (ShortEagerHeader*)h;
                long word = s->Word;
                HandleEager(srcWorld, s->Context, ShortEagerHeader.SourceOf(word), s->Tag, (byte*)h + ShortEagerHeader.Size, ShortEagerHeader.MessageBytesOf(word));
                break;
            }
            case RecordKind.Eager:
                HandleEager(srcWorld, h->Context, h->Source, h->Tag, (byte*)h + RecordHeader.Size, h->MessageBytes);
                break;
            case RecordKind.Rts:
            case RecordKind.RtsFromBusySender:
            {
                Operation? r = _posted.TakeMatch(h->Context, h->Source, srcWorld, h->Tag);
                bool senderBusy = kind == RecordKind.RtsFromBusySender;
                if (r is not null)
                {
                    StartRendezvousReceive(r, srcWorld, h->Source, h->Tag, h->MessageBytes, h->Token1, h->Token2, h->Reserved, senderBusy);
                }
                else
                {
                    InboundMessage m = _inboundPool.Rent();
                    SetHeader(m, InboundKind.Rendezvous, h->Context, h->Source, srcWorld, h->Tag, h->MessageBytes);
                    m.Address = h->Token1;
                    m.SendId = h->Token2;
                    m.SenderAbandoned = h->Reserved;
                    m.SenderBusy = senderBusy;
                    _unexpected.Append(m);
                }
                break;
            }
            case RecordKind.Cts:
            {
                Operation send = FindRendezvous(h->Token1, srcWorld);
                send.State.RemoteReceiveId = h->Token2;
                StartLargeData(srcWorld, send);
                break;
            }
            case RecordKind.Data:
            {
                Operation recv = FindRendezvous(h->Token1, srcWorld);
                long chunk = h->MessageBytes;
                if (h->Token2 < 0 || chunk < 0 || h->Token2 + chunk > recv.State.ExpectedBytes)
                    throw new HpcMsgException($"rank {WorldRank}: data chunk from rank {srcWorld} at offset {h->Token2} of {chunk} bytes overruns the {recv.State.ExpectedBytes}-byte message");
                // An abandoned receive (its wait threw, its buffer is unpinned) drops the rest.
                if (!recv.State.Abandoned) PayloadCopy.Copy((byte*)h + RecordHeader.Size, recv.State.Buffer + h->Token2, chunk);
                recv.State.StreamOffset += chunk;
                if (recv.State.StreamOffset == recv.State.ExpectedBytes)
                {
                    _rendezvous.Remove(h->Token1);
                    _pipelinedReceives++;
                    recv.Complete(new Completion(recv.State.MatchedSource, recv.State.MatchedTag, recv.State.ExpectedBytes, recv.State.ElementSize), null);
                }
                break;
            }
            case RecordKind.Fin:
            {
                Operation send = TakeRendezvous(h->Token1, srcWorld);
                send.Complete(new Completion(send.State.SourceInComm, send.State.Tag, send.State.BufferBytes, send.State.ElementSize), null);
                break;
            }
            default:
                throw new HpcMsgException($"rank {WorldRank}: corrupt record of kind {(int)kind} from rank {srcWorld}");
        }
    }

    private static void SetHeader(InboundMessage m, InboundKind kind, int context, int source, int sourceWorld, int tag, long bytes)
    {
        m.Kind = kind;
        m.Context = context;
        m.Source = source;
        m.SourceWorld = sourceWorld;
        m.Tag = tag;
        m.Bytes = bytes;
    }

    private Operation FindRendezvous(long id, int srcWorld) =>
        _rendezvous.TryGetValue(id, out Operation? r) ? r
            : throw new HpcMsgException($"rank {WorldRank}: rank {srcWorld} referred to unknown large transfer {id}");

    private Operation TakeRendezvous(long id, int srcWorld)
    {
        if (!_rendezvous.Remove(id, out Operation? r))
            throw new HpcMsgException($"rank {WorldRank}: rank {srcWorld} answered unknown large send {id}");
        return r;
    }

    private long NewRendezvousId() => ++_nextRendezvousId;

    /// <summary>A counted large send to <paramref name="dest"/> on the node has completed (or was abandoned).
    /// Called by the operation, under the lock.</summary>
    internal void NodeLargeSendEnded(int dest)
    {
        _nodeLargeSends![dest]--;
        _nodeLargeSendsInFlight--;
    }

    /// <summary>
    /// A communicator has been freed (its members have exchanged their last messages on it): drop what
    /// it left in the unexpected queue (answering a large message's sender, so that its send completes)
    /// and fail receives still posted on it, so that nothing of it can meet the next communicator that
    /// takes its id. <paramref name="context"/> is its point-to-point id; the collective one follows.
    /// </summary>
    internal void RetireContext(int context)
    {
        using (_lock.EnterScope())
        {
            InboundMessage? m = _unexpected.First;
            while (m is not null)
            {
                InboundMessage? next = m.Next;
                // A message whose payload is still arriving is left alone (its frame is being read into
                // it); the members' exchange comes after every payload on the same connection, so
                // none of the freed communicator's is.
                if ((m.Context == context || m.Context == context + 1) && !m.Arriving)
                {
                    _unexpected.Remove(m);
                    if (m.Kind == InboundKind.Rendezvous) SendControl(m.SourceWorld, RecordKind.Fin, m.SendId, 0);
                    else if (m.Kind == InboundKind.SelfRendezvous) CompleteSend(m.SelfSend!);
                    _inboundPool.Return(m);
                }
                m = next;
            }
            Operation? r;
            while ((r = _posted.TakeFirstInContext(context, context + 1)) is not null)
                r.Complete(default, new HpcMsgException($"rank {WorldRank}: the communicator of this receive was disposed before a message matched it"));
        }
    }

    /// <summary>For tests: the messages waiting in the unexpected queue that belong to neither context of
    /// the communicator whose point-to-point context is <paramref name="context"/> (its collective one is
    /// the next), described one by one. A test that frees communicators checks that none of theirs stays;
    /// the world's own messages may legitimately be early (a faster rank already in the next collective).</summary>
    internal (int Count, string Description) UnexpectedOutside(int context)
    {
        using (_lock.EnterScope())
        {
            int count = 0;
            var text = new System.Text.StringBuilder();
            for (InboundMessage? m = _unexpected.First; m is not null; m = m.Next)
            {
                if (m.Context == context || m.Context == context + 1) continue;
                count++;
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"[context {m.Context}, from world rank {m.SourceWorld} (rank {m.Source}), tag {m.Tag}, {m.Bytes} bytes, {m.Kind}{(m.Arriving ? ", arriving" : "")}] ");
            }
            return (count, text.ToString());
        }
    }

    /// <summary>Messages waiting in the unexpected queue (for tests: nothing of a freed communicator stays).</summary>
    internal int UnexpectedCount
    {
        get
        {
            using (_lock.EnterScope()) return _unexpected.Count;
        }
    }

    /// <summary>Wakes <paramref name="rank"/> if it sleeps: through the node transport for a rank of
    /// this node (which fences as Sleep expects), or this rank's own signal (another thread of this
    /// rank may sleep); a rank on another host is woken by its transport's own means.</summary>
    private void WakeIfSleeping(int rank)
    {
        if (rank == WorldRank && _node is null)
        {
            // Pairs with the fence in Sleep(), as the node transport's wake does (NodeTransport.WakeIfSleeping).
            if (!_asymmetricFence) Interlocked.MemoryBarrier();
            _signal.WakeIfSleeping();
        }
        else if (rank == WorldRank)
        {
            _node!.WakeIfSleeping(rank); // this rank's signal is the node transport's (which may also ring a doorbell)
        }
        else if (_node is { } node && ReferenceEquals(_route[rank], node))
        {
            node.WakeIfSleeping(rank);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        StopPump();
        using (_lock.EnterScope())
        {
            foreach (ITransport t in _transports) t.Close();
        }
        if (_privateSignal) _signal.FreePrivate();
    }
}
