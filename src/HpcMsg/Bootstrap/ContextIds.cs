namespace HpcMsg;

/// <summary>
/// Context ids separate message spaces. Each communicator takes an even id for point-to-point and the
/// odd one after it for collectives: slot s gives ids 2s and 2s + 1; the world has slot 0. Every rank
/// keeps a mask of the slots it has free (as MPICH does); a new communicator takes the lowest slot free
/// in all its members (their masks ANDed, collectively), so the id is unused in each of them.
/// Freeing a communicator (a collective Dispose, after which no message for it can still be on its
/// way) gives its slot back here, so ids are reused and never run out while communicators are freed.
/// Communicators are made one at a time per process (as MPI asks of concurrent MPI_Comm_dup calls
/// on different threads, which must not overlap).
/// </summary>
internal static class ContextIds
{
    public const int World = 0;

    /// <summary>Communicators alive at once in one process, the world included (MPICH allows 2048 too).</summary>
    public const int Slots = 2048;

    /// <summary>Length of the mask in 64-bit words.</summary>
    public const int MaskWords = Slots / 64;

    private static readonly ulong[] s_free = NewMask();
    private static readonly Lock s_lock = new();

    private static ulong[] NewMask()
    {
        var mask = new ulong[MaskWords];
        Array.Fill(mask, ulong.MaxValue);
        mask[0] &= ~1UL; // the world's slot
        return mask;
    }

    /// <summary>This process's free slots, one bit each.</summary>
    public static void CopyFreeMask(Span<ulong> into)
    {
        using (s_lock.EnterScope()) s_free.CopyTo(into);
    }

    /// <summary>Takes the lowest slot that <paramref name="agreed"/> (the AND of every member's mask)
    /// has free and returns its point-to-point context id. Every member computes the same slot.</summary>
    public static int Claim(ReadOnlySpan<ulong> agreed)
    {
        for (int w = 0; w < agreed.Length; w++)
        {
            if (agreed[w] == 0) continue;
            int slot = w * 64 + System.Numerics.BitOperations.TrailingZeroCount(agreed[w]);
            using (s_lock.EnterScope()) s_free[w] &= ~(1UL << (slot & 63));
            return 2 * slot;
        }
        throw new HpcMsgException($"no context id is free in every member: at most {Slots} communicators may be alive at once (dispose those you no longer need)");
    }

    /// <summary>Gives a communicator's slot back (its point-to-point context id).</summary>
    public static void Release(int context)
    {
        int slot = context / 2;
        if (slot <= 0 || slot >= Slots) return;
        using (s_lock.EnterScope()) s_free[slot / 64] |= 1UL << (slot & 63);
    }

    /// <summary>Slots in use in this process (for tests).</summary>
    public static int InUse
    {
        get
        {
            int free = 0;
            using (s_lock.EnterScope()) foreach (ulong w in s_free) free += System.Numerics.BitOperations.PopCount(w);
            return Slots - free;
        }
    }
}
