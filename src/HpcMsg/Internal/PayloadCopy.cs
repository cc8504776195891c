namespace HpcMsg.Internal;

/// <summary>
/// Copies a payload into or out of a transport's memory (a ring record, a matched receive). From 1 KiB it calls glibc's memcpy directly, which
/// picks its loop by CPU (AVX-512 or rep movsb here) where Buffer.MemoryCopy runs its own 64-byte
/// block loop up to 2 KiB: with the ranks on cores that share no cache (the VM's far placement,
/// ~400 ns a cache-line round trip), ping-pong 2 KiB took 0.65-0.67 us against 0.87-0.90 and
/// 64 KiB 6.0-6.2 against 7.2-10 (three interleaved runs each, 2026-11-30); 4 KiB and above, where
/// Buffer.MemoryCopy already calls the native memmove, and small messages are unchanged.
/// </summary>
internal static unsafe class PayloadCopy
{
    private const long NativeFromBytes = 1024;

    /// <summary>Above this (an eager message from another host may be larger) the copy goes back to
    /// Buffer.MemoryCopy, whose native call lets the GC suspend the thread meanwhile.</summary>
    private const long NativeUpToBytes = 64 * 1024;

    public static void Copy(byte* source, byte* destination, long bytes)
    {
        if (bytes < NativeFromBytes || bytes > NativeUpToBytes) Buffer.MemoryCopy(source, destination, bytes, bytes);
        else Native.Memcpy(destination, source, (nuint)bytes);
    }
}
