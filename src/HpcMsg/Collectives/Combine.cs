namespace HpcMsg.Collectives;

/// <summary>Typed views for the reduction step of an algorithm working on bytes.</summary>
internal static unsafe class Combine
{
    /// <summary>higher = lower ∘ higher, where <paramref name="lower"/> holds the lower ranks' operand.</summary>
    public static void Into<T>(Op op, byte* lower, byte* higher, long count) where T : unmanaged =>
        op.Apply(new ReadOnlySpan<T>(lower, checked((int)count)), new Span<T>(higher, checked((int)count)));

    public static void Copy(byte* from, byte* to, long bytes)
    {
        if (from != to && bytes > 0) Buffer.MemoryCopy(from, to, bytes, bytes);
    }
}
