using HpcMsg.Internal;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Transports;

/// <summary>
/// One transport of a rank, as the engine drives it: the seam for every way bytes leave the process
/// (shared memory, TCP; libfabric next). Per peer it sends an eager message, announces a large one
/// and then carries it its own way (ring pipeline or cross-memory read, one socket frame, later
/// RDMA), sends the protocol's control records, reports arrivals and completions to the engine's
/// sinks (<see cref="IRecordSink"/>, <see cref="IFrameSink"/>), makes progress, and says what a
/// blocked rank waits on (<see cref="CollectWaits"/>), so that one wait covers every transport.
/// It lives at the root of <c>Transports/</c>, beside the sinks and the wire header, because a
/// transport must not name the engine: the engine owns the contract, both may see it.
/// <para>
/// The engine routes by a table, peer to transport, built once from <see cref="Reaches"/>. A transport
/// among the ranks of one node derives from <see cref="NodeTransport"/>, which the engine calls through
/// its class on the per-message path (one virtual call to a sealed override: see docs/architecture.md);
/// every other call goes through this interface. The engine names no particular transport.
/// </para>
/// </summary>
internal unsafe interface ITransport
{
    /// <summary>For messages and diagnostics: "shared memory", "tcp", ...</summary>
    string Name { get; }

    /// <summary>Whether this transport carries traffic between this rank and world rank <paramref name="peer"/>.</summary>
    bool Reaches(int peer);

    /// <summary>Where arrivals go: records whole in memory, or frames streamed; the engine attaches
    /// both once, before any traffic, and a transport keeps the one it reports through.</summary>
    void Attach(IRecordSink records, IFrameSink frames);

    /// <summary>An eager message. <see cref="SendOutcome.Done"/>: the payload is out of the caller's
    /// buffer (the send is complete); <see cref="SendOutcome.Pending"/>: queued, <see cref="IFrameSink.OnSent"/>
    /// with <paramref name="owner"/> completes it.</summary>
    SendOutcome SendEager(int peer, int context, int source, int tag, byte* data, long bytes, object owner);

    /// <summary>Announces a large message of <paramref name="bytes"/> at <paramref name="address"/> in
    /// this process, under the engine's <paramref name="sendId"/>; the receiver answers clear-to-send
    /// (then <see cref="SendLarge"/>) or reads it itself and answers fin.</summary>
    SendOutcome SendRequestToSend(int peer, int context, int source, int tag, long bytes, long address, long sendId);

    /// <summary>A control record of the protocol (clear-to-send, fin) with its two tokens.</summary>
    SendOutcome SendControl(int peer, RecordKind kind, long token1, long token2);

    /// <summary>After clear-to-send: carries the message for the receive <paramref name="receiveId"/>
    /// its own way, from <paramref name="offset"/> on (advanced by what went out). <see cref="SendOutcome.NoRoom"/>:
    /// call again later; <see cref="SendOutcome.Pending"/>: all handed over, <see cref="IFrameSink.OnSent"/>
    /// with <paramref name="owner"/> completes it; <see cref="SendOutcome.Done"/>: all out.</summary>
    SendOutcome SendLarge(int peer, long receiveId, byte* data, long bytes, ref long offset, object owner);

    /// <summary>One pass: what arrived goes to the sink, what waits goes out. True if anything moved.</summary>
    bool Progress();

    /// <summary>A lock-free hint that <see cref="Progress"/> could do something.</summary>
    bool MayHaveWork { get; }

    /// <summary>Adds what a blocked rank must wait on for this transport (its sockets, other file
    /// descriptors such as a completion queue's wait fd, a bound; or that peers wake this rank through
    /// its futex word) to <paramref name="set"/>. Called under the engine's lock.</summary>
    void CollectWaits(WaitSet set);

    /// <summary>After a wait on <paramref name="set"/>: reset what fired (a doorbell).</summary>
    void AfterWait(WaitSet set);

    /// <summary>Why a blocked call fails once this transport knows that the job is ending (the engine
    /// throws it as the public exception); null while it runs.</summary>
    TransportException? JobEndingError();

    /// <summary>Peers whose connection broke (receives naming them fail).</summary>
    IReadOnlyList<int> FailedPeers { get; }

    /// <summary>A fresh failure (<see cref="TransportFailureKind.PeerLost"/>) saying why <paramref name="peer"/> is gone.</summary>
    TransportException PeerFailure(int peer);

    /// <summary>The receive that <paramref name="peer"/>'s payload now streams into was abandoned: drop the rest.</summary>
    void DiscardRestOfPayload(int peer);

    /// <summary>An abandoned send's payload now lives at <paramref name="copy"/>: what is not yet out comes from there.</summary>
    void RetargetPayload(int peer, object owner, byte* copy);

    /// <summary>Peers with an open connection, and whether connections are still being opened (diagnostics).</summary>
    (int[] Peers, bool Opening) ConnectedPeers();

    /// <summary>This rank aborts: tell whoever must know first (the launcher); no lock held.</summary>
    void BeginAbort(int errorCode);

    /// <summary>This rank aborts: tell the peers (best effort, bounded); the engine's lock is held.</summary>
    void AnnounceAbort(int errorCode);

    /// <summary>Finalize: an orderly goodbye to the peers, then release what the transport owns.</summary>
    void Close();
}

/// <summary>What became of a send handed to a transport.</summary>
internal enum SendOutcome : byte
{
    /// <summary>Out of the caller's buffer: complete.</summary>
    Done,
    /// <summary>Taken; the transport reports completion to the sink (its owner).</summary>
    Pending,
    /// <summary>No room now: the engine queues it and tries again.</summary>
    NoRoom,
    /// <summary>The peer is unreachable (its connection broke or closed): <see cref="ITransport.PeerFailure"/> says why.</summary>
    PeerGone,
}
