using HpcMsg.Internal;
using HpcMsg.Transports;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Engine;

/// <summary>
/// A network transport as the engine calls it: every call goes on to the transport, and a
/// <see cref="TransportException"/> thrown out of it (a completion queue that failed, a protocol the
/// transport cannot go on with) leaves as the library's public exception
/// (<see cref="TransportErrors.ToPublic"/>), so that nothing above the engine sees the transports'
/// vocabulary. The node transport is not wrapped: the engine calls it through its class on the
/// per-message path, and it throws nothing once built (its failures are the job state it reports
/// through <see cref="ITransport.JobEndingError"/>). One more interface call per call of a network
/// transport: next to a socket call or a libfabric post, noise.
/// </summary>
internal sealed unsafe class GuardedTransport(ITransport inner) : ITransport
{
    /// <summary>The transport itself (tests and diagnostics look for its type).</summary>
    public ITransport Inner { get; } = inner;

    public string Name => Inner.Name;
    public bool Reaches(int peer) => Inner.Reaches(peer);
    public void Attach(IRecordSink records, IFrameSink frames) => Inner.Attach(records, frames);

    public SendOutcome SendEager(int peer, int context, int source, int tag, byte* data, long bytes, object owner)
    {
        try { return Inner.SendEager(peer, context, source, tag, data, bytes, owner); }
        catch (TransportException e) { throw e.ToPublic(); }
    }

    public SendOutcome SendRequestToSend(int peer, int context, int source, int tag, long bytes, long address, long sendId)
    {
        try { return Inner.SendRequestToSend(peer, context, source, tag, bytes, address, sendId); }
        catch (TransportException e) { throw e.ToPublic(); }
    }

    public SendOutcome SendControl(int peer, RecordKind kind, long token1, long token2)
    {
        try { return Inner.SendControl(peer, kind, token1, token2); }
        catch (TransportException e) { throw e.ToPublic(); }
    }

    public SendOutcome SendLarge(int peer, long receiveId, byte* data, long bytes, ref long offset, object owner)
    {
        try { return Inner.SendLarge(peer, receiveId, data, bytes, ref offset, owner); }
        catch (TransportException e) { throw e.ToPublic(); }
    }

    public bool Progress()
    {
        try { return Inner.Progress(); }
        catch (TransportException e) { throw e.ToPublic(); }
    }

    public bool MayHaveWork => Inner.MayHaveWork;

    public void CollectWaits(WaitSet set)
    {
        try { Inner.CollectWaits(set); }
        catch (TransportException e) { throw e.ToPublic(); }
    }

    public void AfterWait(WaitSet set)
    {
        try { Inner.AfterWait(set); }
        catch (TransportException e) { throw e.ToPublic(); }
    }

    public TransportException? JobEndingError() => Inner.JobEndingError();
    public IReadOnlyList<int> FailedPeers => Inner.FailedPeers;
    public TransportException PeerFailure(int peer) => Inner.PeerFailure(peer);
    public void DiscardRestOfPayload(int peer) => Inner.DiscardRestOfPayload(peer);
    public void RetargetPayload(int peer, object owner, byte* copy) => Inner.RetargetPayload(peer, owner, copy);

    public (int[] Peers, bool Opening) ConnectedPeers()
    {
        try { return Inner.ConnectedPeers(); }
        catch (TransportException e) { throw e.ToPublic(); }
    }

    public void BeginAbort(int errorCode) => Inner.BeginAbort(errorCode);

    public void AnnounceAbort(int errorCode)
    {
        try { Inner.AnnounceAbort(errorCode); }
        catch (TransportException e) { throw e.ToPublic(); }
    }

    public void Close()
    {
        try { Inner.Close(); }
        catch (TransportException e) { throw e.ToPublic(); }
    }
}
