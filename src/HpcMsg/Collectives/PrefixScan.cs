using System.Runtime.CompilerServices;
using HpcMsg.Internal;

namespace HpcMsg.Collectives;

/// <summary>Inclusive and exclusive prefix reductions by recursive doubling (MPICH's algorithm):
/// log p exchanges; operands from lower ranks always stand on the left, so non-commutative ops work.</summary>
internal static unsafe class PrefixScan
{
    [SkipLocalsInit]
    public static void Scan(CollectiveTransport t, byte* send, byte* recv, int count, Combiner op)
    {
        long bytes = (long)count * op.ElementSize;
        Combine.Copy(send, recv, bytes);
        if (t.Size == 1 || count == 0) return;
        byte* onStack = stackalloc byte[2 * ScratchPool.StackBytes];
        using ScratchBuffer partialBuffer = ScratchPool.Rent(bytes, onStack);
        using ScratchBuffer tmpBuffer = ScratchPool.Rent(bytes, onStack + ScratchPool.StackBytes);
        byte* partial = partialBuffer.Pointer, tmp = tmpBuffer.Pointer;
        Combine.Copy(send, partial, bytes);
        int rank = t.Rank;
        for (int mask = 1; mask < t.Size; mask <<= 1)
        {
            int partner = rank ^ mask;
            if (partner >= t.Size) continue;
            t.SendRecv(partial, bytes, partner, tmp, bytes, partner, CollectiveTags.Scan);
            if (partner < rank)
            {
                op.Into(tmp, partial, count);
                op.Into(tmp, recv, count);
            }
            else
            {
                op.Into(partial, tmp, count);
                { byte* swap = partial; partial = tmp; tmp = swap; }
            }
        }
    }

    /// <summary>Rank 0's result is left as it was (MPI leaves it undefined).</summary>
    [SkipLocalsInit]
    public static void Exscan(CollectiveTransport t, byte* send, byte* recv, int count, Combiner op)
    {
        long bytes = (long)count * op.ElementSize;
        if (t.Size == 1 || count == 0) return;
        byte* onStack = stackalloc byte[2 * ScratchPool.StackBytes];
        using ScratchBuffer partialBuffer = ScratchPool.Rent(bytes, onStack);
        using ScratchBuffer tmpBuffer = ScratchPool.Rent(bytes, onStack + ScratchPool.StackBytes);
        byte* partial = partialBuffer.Pointer, tmp = tmpBuffer.Pointer;
        Combine.Copy(send, partial, bytes);
        int rank = t.Rank;
        bool haveResult = false;
        for (int mask = 1; mask < t.Size; mask <<= 1)
        {
            int partner = rank ^ mask;
            if (partner >= t.Size) continue;
            t.SendRecv(partial, bytes, partner, tmp, bytes, partner, CollectiveTags.Scan + 1);
            if (partner < rank)
            {
                op.Into(tmp, partial, count);
                if (haveResult) op.Into(tmp, recv, count);
                else Combine.Copy(tmp, recv, bytes);
                haveResult = true;
            }
            else
            {
                op.Into(partial, tmp, count);
                { byte* swap = partial; partial = tmp; tmp = swap; }
            }
        }
    }
}
