using System.Buffers;
using System.Runtime.InteropServices;

namespace HpcMsg.TestApp.Support;

/// <summary>
/// Memory outside the managed heap behind a <see cref="Memory{T}"/> (as a program's native or
/// pooled buffers are): the API's Memory overloads cannot take an array from it and go their
/// non-array way (a span fixed for the call, a pin held while a request is pending).
/// </summary>
internal sealed unsafe class NativeBuffer(int length) : MemoryManager<byte>
{
    private byte* _data = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(length, 1));
    private readonly int _length = length;

    public override Span<byte> GetSpan() => new(_data, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_data + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        NativeMemory.Free(_data);
        _data = null;
    }
}
