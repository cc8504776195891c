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

    /// <summary>Maximum of one int over all ranks by the same pattern (max is idempotent, so the
    /// rounds' overlapping coverage is harmless). Used to agree on context ids.</summary>
    public static int AllreduceMax(CollectiveTransport t, int value)
    {
        int size = t.Size, rank = t.Rank;
        int incoming = 0;
        for (int distance = 1, round = 0; distance < size; distance <<= 1, round++)
        {
            int to = (rank + distance) % size;
            int from = (rank - distance + size) % size;
            t.SendRecv((byte*)&value, sizeof(int), to, (byte*)&incoming, sizeof(int), from, CollectiveTags.AgreeMax + round);
            value = Math.Max(value, incoming);
        }
        return value;
    }
}
