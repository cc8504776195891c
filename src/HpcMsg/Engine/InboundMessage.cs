using System.Buffers;

namespace HpcMsg.Engine;

internal enum InboundKind : byte
{
    Eager,
    Rendezvous,
    SelfRendezvous,
}

/// <summary>A message that arrived before a matching receive was posted (the unexpected queue).
/// Instances are pooled; eager payloads live in pooled arrays.</summary>
internal sealed class InboundMessage
{
    public InboundKind Kind;
    public int Context;
    public int Source;      // rank in the communicator
    public int Tag;
    public long Bytes;
    public byte[]? Data;    // eager payload copy
    public int SourceWorld; // the sender's world rank: its queue, and for rendezvous whom to read from and answer
    public long Address;    // rendezvous: sender's buffer
    public long SendId;     // rendezvous: sender's request id
    public Operation? SelfSend;
    public int SenderAbandoned; // rendezvous on shared memory: see ProgressEngine.StartRendezvousReceive
    public bool SenderBusy;     // rendezvous on shared memory: RecordKind.RtsFromBusySender

    /// <summary>TCP: queued at its header (so that matching keeps arrival order) while its payload is
    /// still arriving; a receive that takes it meanwhile waits here for the payload.</summary>
    public bool Arriving;
    public Operation? Waiter;

    /// <summary>TCP: its waiter was abandoned while the payload arrived; dropped when complete.</summary>
    public bool Dropped;

    public InboundMessage? Next;       // arrival order
    public InboundMessage? Prev;
    public InboundMessage? SourceNext; // arrival order among this sender's messages
    public InboundMessage? SourcePrev;

    public void ReleasePayload()
    {
        if (Data is not null)
        {
            ArrayPool<byte>.Shared.Return(Data);
            Data = null;
        }
        SelfSend = null;
        Arriving = false;
        Waiter = null;
        Dropped = false;
    }
}

/// <summary>Free list of <see cref="InboundMessage"/>, so that steady traffic allocates nothing.</summary>
internal sealed class InboundMessagePool
{
    private readonly Stack<InboundMessage> _free = new();

    public InboundMessage Rent() => _free.Count > 0 ? _free.Pop() : new InboundMessage();

    public void Return(InboundMessage m)
    {
        m.ReleasePayload();
        m.Next = m.Prev = m.SourceNext = m.SourcePrev = null;
        if (_free.Count < 4096) _free.Push(m);
    }
}
