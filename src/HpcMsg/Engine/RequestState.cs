namespace HpcMsg.Engine;

/// <summary>What a request is to the engine: its matching and buffer description, its place in the
/// protocol (rendezvous ids, stream offset, the matched message) and its links in the posted-receive
/// queue. Embedded by value in <see cref="Operation"/> (<c>Operation.State</c>); reset in place when
/// the operation is reused.</summary>
internal unsafe struct RequestState
{
    // Matching and buffer description, set when posted.
    public RequestKind Kind;
    public int Context;
    public int Peer;          // receive: source to match (may be AnySource); send: destination world rank
    public int PeerWorld;     // receive: world rank of Peer (unused for AnySource)
    public long PostSequence; // receive: order of posting, for matching across source queues
    public int Tag;
    public int ElementSize;
    public byte* Buffer;
    public long BufferBytes;

    /// <summary>Taken out of the engine after its blocking call's wait threw (ProgressEngine.Abandon):
    /// completed for its caller, never reused; a later completion by the protocol only frees
    /// <see cref="Buffer"/> when the engine owns it.</summary>
    public bool Abandoned;
    public bool OwnsBuffer;       // Buffer is a NativeMemory copy of an abandoned send's payload
    public InboundMessage? SelfMessage; // a large send to oneself: its entry in the unexpected queue

    // Send-side protocol state.
    public int SourceInComm;  // sender's rank in the communicator, carried in the header
    public long RendezvousId;
    public long StreamOffset;
    public long RemoteReceiveId;
    public bool ReceiveInProgress; // a matched pipelined receive waiting for its Data chunks
    public long ExpectedBytes;
    public int MatchedSource;
    public int MatchedTag;
    /// <summary>A large send to a rank of the node, counted in the engine's sends in flight until it
    /// completes (see ProgressEngine.NodeLargeSendEnded).</summary>
    public bool NodeLargeSend;

    // Intrusive links for the posted-receive queue.
    public Operation? Next;
    public Operation? Prev;

    /// <summary>A fresh operation: everything but the description given here is cleared.</summary>
    public void Reset(RequestKind kind, int context, int peer, int tag, int elementSize, byte* buffer, long bytes, int peerWorld)
    {
        this = default;
        Kind = kind;
        Context = context;
        Peer = peer;
        PeerWorld = peerWorld;
        Tag = tag;
        ElementSize = elementSize;
        Buffer = buffer;
        BufferBytes = bytes;
    }
}

/// <summary>Whether a request sends or receives.</summary>
internal enum RequestKind : byte
{
    Receive,
    Send,
}
