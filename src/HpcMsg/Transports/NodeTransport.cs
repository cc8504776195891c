using HpcMsg.Internal;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Transports;

/// <summary>
/// A transport among the ranks of one node through memory that all of them map: everything a
/// transport does (<see cref="ITransport"/>), and what only such a transport offers. It holds whole
/// records that the engine drains into its own struct sink (<see cref="DrainInto{TSink}"/>); it wakes
/// a node peer that sleeps on its futex word; it can read a buffer that a node peer announced straight
/// out of that peer's address space (<see cref="TryReadAnnounced"/>: cross-memory attach); and it keeps
/// the job-running word, the node's shared slots and the node barrier's words.
/// <para>
/// The engine names this class and never a particular node transport (shared memory is the one there
/// is); the composition root (<c>Communicator.Init</c>) builds it and hands it over. An abstract class
/// rather than an interface, implemented by a sealed class: each operation of the engine's
/// per-message path is one virtual call to a sealed override (no interface dispatch stub), and the
/// job-running word is read here without any call. The writes and the drain are the record-level
/// operations, so that the engine's queue can retry a write and one wake can follow several writes.
/// Measured against the direct calls it replaces: docs/architecture.md ("Measured").
/// </para>
/// </summary>
internal abstract unsafe class NodeTransport : ITransport
{
    private readonly int* _jobWord;
    private readonly int _jobRunning;

    /// <param name="jobWord">The word every rank of the node maps that says whether the job runs.</param>
    /// <param name="jobRunning">Its value while the job runs.</param>
    protected NodeTransport(int* jobWord, int jobRunning)
    {
        _jobWord = jobWord;
        _jobRunning = jobRunning;
    }

    /// <summary>False once a rank of the node failed or the job aborts (the launcher or a rank marked
    /// it): a plain read of the node's job word, no call. <see cref="JobEndingError"/> then says why.</summary>
    public bool JobRunning => Volatile.Read(ref *_jobWord) == _jobRunning;

    /// <summary>The largest payload of one record: it bounds the eager limit, and a large message
    /// carried in records goes in pieces of this size.</summary>
    public abstract int MaxRecordPayload { get; }

    /// <summary>What this rank sleeps on; the other ranks of the node wake it through it.</summary>
    public abstract WakeSignal OwnSignal { get; }

    /// <summary>Set when the sleeper forces the waker's fence itself (membarrier): a wake then skips
    /// its own full fence.</summary>
    public abstract void SkipWakeFence(bool skip);

    /// <summary>Wakes <paramref name="peer"/> (a rank of this node, or this rank) if it sleeps. Pairs
    /// with the sleeper's fence: either it sees what this rank wrote, or this rank sees it sleep.</summary>
    public abstract void WakeIfSleeping(int peer);

    /// <summary>A whole small message, payload inline, then <see cref="WakeIfSleeping"/> for
    /// <paramref name="dest"/>: the eager send in one call. False (nothing written, nobody woken)
    /// when there is no room now.</summary>
    public abstract bool TrySendEager(int dest, int context, int source, int tag, byte* data, long bytes);

    /// <summary>A whole small message, payload inline, without waking (the caller wakes once after
    /// what it wrote); false when there is no room now.</summary>
    public abstract bool TryWriteEager(int dest, int context, int source, int tag, byte* data, long bytes);

    /// <summary>Announces a large message at <paramref name="address"/> in this process under the
    /// engine's <paramref name="sendId"/> (the receiver may read it with <see cref="TryReadAnnounced"/>);
    /// <paramref name="senderBusy"/>: this rank has large messages to other ranks of the node in flight
    /// (<see cref="RecordKind.RtsFromBusySender"/>). No wake; false when there is no room now.</summary>
    public abstract bool TryWriteRequestToSend(int dest, int context, int source, int tag, long bytes, long address, long sendId, bool senderBusy = false);

    /// <summary>A control record of the protocol (clear-to-send, fin) with its two tokens; no wake;
    /// false when there is no room now.</summary>
    public abstract bool TryWriteControl(int dest, RecordKind kind, long token1, long token2);

    /// <summary>Writes as many pieces of a large message for the receive <paramref name="receiveId"/>
    /// as there is room for, from <paramref name="offset"/> on (advanced by what went out); no wake.
    /// True when the last piece is out.</summary>
    public abstract bool TryStream(int dest, long receiveId, byte* data, long bytes, ref long offset);

    /// <summary>A drain of every incoming record into <paramref name="sink"/>, made once (the engine
    /// keeps it): each <see cref="RecordDrain.Drain"/> is one virtual call, and inside it the call per
    /// record is direct, as the drain is compiled for the sink's struct type.</summary>
    public abstract RecordDrain DrainInto<TSink>(TSink sink) where TSink : struct, IRecordSink;

    /// <summary>A lock-free look: is a record waiting from any node peer?</summary>
    public abstract bool HasIncoming();

    /// <summary>Reads a large message that <paramref name="src"/> announced at <paramref name="address"/>
    /// straight out of its address space into <paramref name="target"/>. <paramref name="senderAbandoned"/>
    /// is the sender's abandoned-send count in the announcement (see <see cref="CountAbandonedSend"/>).</summary>
    public abstract DirectReadResult TryReadAnnounced(int src, long address, byte* target, long bytes, int senderAbandoned, out int errno, out int pid);

    /// <summary>Lets the node's other ranks read this process's announced messages where the kernel would
    /// otherwise refuse only for want of the owner's consent (Yama's ptrace_scope 1): called once, at the
    /// start, when single copies are on. False where that consent was not given (or is not needed).</summary>
    public abstract bool PermitDirectReads();

    /// <summary>This rank gives up on a send it has announced (its buffer is about to be unpinned):
    /// counted before the caller unpins, so that a reader that reads afterwards sees it and asks for
    /// the stream instead (<see cref="DirectReadResult.SenderAbandoned"/>).</summary>
    public abstract void CountAbandonedSend();

    /// <summary>The node's shared per-rank slots (node collectives).</summary>
    public abstract INodeSharedSlots Slots { get; }

    /// <summary>Ranks of this node.</summary>
    public abstract int NodeRanks { get; }

    /// <summary>The node barrier's generation word (changed only by the barrier's first rank).</summary>
    public abstract int* BarrierGeneration { get; }

    /// <summary>The barrier arrival word of local rank <paramref name="localRank"/>.</summary>
    public abstract int* BarrierArrival(int localRank);

    /// <summary>The count of dissemination-barrier rounds local rank <paramref name="localRank"/> has
    /// entered (written by that rank only).</summary>
    public abstract int* BarrierRounds(int localRank);

    // ITransport: what every transport does.

    public abstract string Name { get; }
    public abstract bool Reaches(int peer);
    public abstract void Attach(IRecordSink records, IFrameSink frames);
    public abstract SendOutcome SendEager(int peer, int context, int source, int tag, byte* data, long bytes, object owner);
    public abstract SendOutcome SendRequestToSend(int peer, int context, int source, int tag, long bytes, long address, long sendId);
    public abstract SendOutcome SendControl(int peer, RecordKind kind, long token1, long token2);
    public abstract SendOutcome SendLarge(int peer, long receiveId, byte* data, long bytes, ref long offset, object owner);
    public abstract bool Progress();
    public abstract bool MayHaveWork { get; }
    public abstract void CollectWaits(WaitSet set);
    public abstract void AfterWait(WaitSet set);
    public abstract TransportException? JobEndingError();
    public abstract IReadOnlyList<int> FailedPeers { get; }
    public abstract TransportException PeerFailure(int peer);
    public abstract void DiscardRestOfPayload(int peer);
    public abstract void RetargetPayload(int peer, object owner, byte* copy);
    public abstract (int[] Peers, bool Opening) ConnectedPeers();
    public abstract void BeginAbort(int errorCode);
    public abstract void AnnounceAbort(int errorCode);
    public abstract void Close();
}

/// <summary>
/// Hands every record waiting at a <see cref="NodeTransport"/> to the sink it was made for
/// (<see cref="NodeTransport.DrainInto{TSink}"/>). A node transport implements it with a sealed class
/// generic over the sink's struct type, so that a pass costs one virtual call and each record a
/// direct, inlinable call of the sink.
/// </summary>
internal abstract class RecordDrain
{
    /// <summary>One pass over every node peer's incoming records; true if any arrived.</summary>
    public abstract bool Drain();
}
