using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HpcMsg.TestApp.Support;

/// <summary>
/// A buffer handed to the library: <see cref="Span"/> lies between guard elements (0-2 on each side)
/// filled with known values, in storage that may start at any byte offset (so the span's elements
/// may be misaligned, as a span cast from bytes can be). <see cref="GuardsIntact"/> tells whether
/// anything wrote outside the span.
/// </summary>
internal sealed class GuardedBuffer<T> where T : unmanaged
{
    private static readonly int ElementBytes = Unsafe.SizeOf<T>();

    private readonly byte[] _storage;
    private readonly int _byteOffset;
    private readonly T[] _guards;

    public int Length { get; }
    private int Before { get; }
    private int After { get; }

    /// <param name="shape">Random bits choosing the guards and the misalignment.</param>
    public GuardedBuffer(int length, ulong shape, Func<int, T> guard)
    {
        Length = length;
        Before = (int)(shape % 3);
        After = (int)(shape / 3 % 3);
        // A quarter of the buffers start at an odd byte offset, the rest aligned as an array would be.
        _byteOffset = shape / 9 % 4 == 0 ? 1 + (int)(shape / 36 % 7) : 0;
        _storage = new byte[_byteOffset + (Before + length + After) * ElementBytes];
        _guards = new T[Before + After];
        for (int i = 0; i < _guards.Length; i++) _guards[i] = guard(i);
        Span<T> all = All;
        _guards.AsSpan(0, Before).CopyTo(all);
        _guards.AsSpan(Before).CopyTo(all[(Before + length)..]);
    }

    private Span<T> All => MemoryMarshal.Cast<byte, T>(_storage.AsSpan(_byteOffset, (Before + Length + After) * ElementBytes));

    public Span<T> Span => All.Slice(Before, Length);

    public static implicit operator Span<T>(GuardedBuffer<T> b) => b.Span;

    public static implicit operator ReadOnlySpan<T>(GuardedBuffer<T> b) => b.Span;

    public T[] ToArray() => Span.ToArray();

    public bool GuardsIntact(Func<T, T, bool> same, out string where)
    {
        Span<T> all = All;
        for (int i = 0; i < Before; i++)
        {
            if (same(all[i], _guards[i])) continue;
            where = $"element {i - Before} (before the buffer)";
            return false;
        }
        for (int i = 0; i < After; i++)
        {
            if (same(all[Before + Length + i], _guards[Before + i])) continue;
            where = $"element {Length + i} (past the end of the buffer)";
            return false;
        }
        where = "";
        return true;
    }

    public string Shape => $"{Length} elements at byte offset {_byteOffset} with {Before}+{After} guard elements";
}
