namespace HpcMsg.TestApp.Support;

/// <summary>
/// Message contents that depend on both the byte's index and a key (usually the message size), so
/// that a chunk written at the wrong offset, a stale buffer or a message of another size is caught.
/// The index is hashed (not taken modulo 256), so shifts by any multiple of 256 bytes show too.
/// </summary>
internal static class Patterns
{
    public static byte ByteAt(long index, long key)
    {
        ulong x = ((ulong)index + 1) * 0x9E3779B97F4A7C15UL ^ ((ulong)key * 0xC2B2AE3D27D4EB4FUL);
        return (byte)((x >> 56) ^ (x >> 29));
    }

    public static void Fill(Span<byte> buffer, long key)
    {
        for (int i = 0; i < buffer.Length; i++) buffer[i] = ByteAt(i, key);
    }

    public static byte[] Make(int length, long key)
    {
        var data = new byte[length];
        Fill(data, key);
        return data;
    }

    /// <summary>Fails the scenario at the first byte that differs from the pattern for <paramref name="key"/>.</summary>
    public static void Verify(ReadOnlySpan<byte> data, long key, string what)
    {
        for (int i = 0; i < data.Length; i++)
        {
            byte expected = ByteAt(i, key);
            if (data[i] != expected)
                Check.Fail($"{what}: byte {i} of {data.Length} is 0x{data[i]:X2}, expected 0x{expected:X2}");
        }
    }

    /// <summary>Fails unless every byte of <paramref name="data"/> still holds <paramref name="guard"/>.</summary>
    public static void VerifyUntouched(ReadOnlySpan<byte> data, byte guard, string what)
    {
        int i = data.IndexOfAnyExcept(guard);
        if (i >= 0) Check.Fail($"{what}: byte {i} past the receive buffer was overwritten (0x{data[i]:X2})");
    }
}
