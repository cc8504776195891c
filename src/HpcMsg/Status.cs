using System.Runtime.CompilerServices;
using HpcMsg.Engine;

namespace HpcMsg;

/// <summary>What a completed receive or a probe tells about its message.</summary>
public readonly struct Status
{
    private readonly int _elementSize;

    internal Status(int source, int tag, long byteCount, int elementSize)
    {
        Source = source;
        Tag = tag;
        ByteCount = byteCount;
        _elementSize = elementSize <= 0 ? 1 : elementSize;
    }

    /// <summary>What the engine said about the operation or the probed message.</summary>
    internal Status(in Completion c) : this(c.Source, c.Tag, c.ByteCount, c.ElementSize)
    {
    }

    /// <summary>Rank of the sender in the communicator.</summary>
    public int Source { get; }

    /// <summary>Tag the message was sent with.</summary>
    public int Tag { get; }

    /// <summary>Size of the message in bytes.</summary>
    public long ByteCount { get; }

    /// <summary>Elements of the receive's element type (bytes for a probe; 0 for the default status
    /// that IProbe and Test give while there is nothing yet).</summary>
    public int Count => _elementSize == 0 ? 0 : (int)Math.Min(int.MaxValue, ByteCount / _elementSize);

    /// <summary>The message size in elements of <typeparamref name="T"/>.</summary>
    public int GetCount<T>() where T : unmanaged => (int)Math.Min(int.MaxValue, ByteCount / Unsafe.SizeOf<T>());

    /// <summary>Source, tag and size, for messages and logs.</summary>
    public override string ToString() => $"Status(Source={Source}, Tag={Tag}, ByteCount={ByteCount})";
}
