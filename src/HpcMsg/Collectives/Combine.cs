namespace HpcMsg.Collectives;

/// <summary>Typed views for the reduction step of a user op in an algorithm working on bytes.</summary>
internal static unsafe class Combine
{
    /// <summary>higher = lower ∘ higher, where <paramref name="lower"/> holds the lower ranks' operand.</summary>
    public static void Into<T>(Op op, byte* lower, byte* higher, long count) where T : unmanaged =>
        op.Apply(new ReadOnlySpan<T>(lower, checked((int)count)), new Span<T>(higher, checked((int)count)));

    /// <summary>destination = lower ∘ higher; destination may be either operand (not a partial overlap).</summary>
    public static void To<T>(Op op, byte* lower, byte* higher, byte* destination, long count) where T : unmanaged
    {
        int n = checked((int)count);
        op.Apply(new ReadOnlySpan<T>(lower, n), new ReadOnlySpan<T>(higher, n), new Span<T>(destination, n));
    }

    public static void Copy(byte* from, byte* to, long bytes)
    {
        if (from != to && bytes > 0) Buffer.MemoryCopy(from, to, bytes, bytes);
    }

    /// <summary>Whether the two ranges share a byte (an empty range shares none).</summary>
    public static bool Overlap(byte* a, long aBytes, byte* b, long bBytes) =>
        aBytes > 0 && bBytes > 0 && a < b + bBytes && b < a + aBytes;
}
