namespace HpcMsg;

/// <summary>Dissemination barrier (Hensgen, Finkel and Manber): ceil(log2 p) rounds, in round k
/// each rank signals rank + 2^k and waits for rank - 2^k. Works for any p, power of two or not.</summary>
public sealed partial class Communicator
{
    public void Barrier()
    {
        ThrowIfDisposed();
        if (Size == 1) return;
        Span<byte> none = [];
        for (int distance = 1, round = 0; distance < Size; distance <<= 1, round++)
        {
            int to = (Rank + distance) % Size;
            int from = (Rank - distance + Size) % Size;
            SendInternal(CollectiveContext, none, to, round);
            RecvInternal(CollectiveContext, none, from, round);
        }
    }

    /// <summary>Maximum of one int over all ranks, by dissemination (max is idempotent, so the
    /// overlapping coverage of the rounds is harmless). Used to agree on context ids.</summary>
    internal int AllreduceMaxInternal(int value)
    {
        if (Size == 1) return value;
        Span<byte> buffer = stackalloc byte[sizeof(int)];
        for (int distance = 1, round = 0; distance < Size; distance <<= 1, round++)
        {
            int to = (Rank + distance) % Size;
            int from = (Rank - distance + Size) % Size;
            BitConverter.TryWriteBytes(buffer, value);
            SendInternal(CollectiveContext, buffer, to, 1000 + round);
            RecvInternal(CollectiveContext, buffer, from, 1000 + round);
            value = Math.Max(value, BitConverter.ToInt32(buffer));
        }
        return value;
    }
}
