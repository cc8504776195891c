namespace HpcMsg.Engine;

/// <summary>
/// What the engine says about a finished operation or a probed message: the sender's rank in the
/// communicator, the tag, the size in bytes, and the element size of the receive (1 for a probe).
/// The engine's own type, so that it names no API type for it: the API turns it into the public
/// <c>Status</c> (a plain copy of four fields, no allocation).
/// </summary>
internal readonly struct Completion(int source, int tag, long byteCount, int elementSize)
{
    public int Source { get; } = source;
    public int Tag { get; } = tag;
    public long ByteCount { get; } = byteCount;
    public int ElementSize { get; } = elementSize;
}
