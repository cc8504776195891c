namespace HpcMsg.Collectives;

/// <summary>Dissemination barrier (Hensgen, Finkel and Manber): ceil(log2 p) rounds; in round k
/// each rank signals rank + 2^k and waits for rank - 2^k. Any p, power of two or not.</summary>
internal static unsafe class Barrier
{
    public static void Run(CollectiveTransport t)
    {
        int size = t.Size, rank = t.Rank;
        for (int distance = 1, round = 0; distance < size; distance <<= 1, round++)
        {
            int to = (rank + distance) % size;
            int from = (rank - distance + size) % size;
            t.SendRecv(null, 0, to, null, 0, from, CollectiveTags.Barrier + round);
        }
    }

    /// <summary>Bitwise AND of <paramref name="words"/> 64-bit words over all ranks, in place, by the
    /// same pattern (AND is idempotent, so the rounds' overlapping coverage is harmless). Used to
    /// agree on a context id free in every member.</summary>
    public static void AllreduceAnd(CollectiveTransport t, ulong* mask, int words)
    {
        int size = t.Size, rank = t.Rank;
        ulong* incoming = stackalloc ulong[words];
        for (int distance = 1, round = 0; distance < size; distance <<= 1, round++)
        {
            int to = (rank + distance) % size;
            int from = (rank - distance + size) % size;
            t.SendRecv((byte*)mask, words * sizeof(ulong), to, (byte*)incoming, words * sizeof(ulong), from, CollectiveTags.AgreeContext + round);
            for (int w = 0; w < words; w++) mask[w] &= incoming[w];
        }
    }
}
