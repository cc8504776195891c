using HpcMsg.Internal;

namespace HpcMsg.Collectives;

/// <summary>Gather and Scatter of equal blocks over a binomial tree (MPICH's choice at every size):
/// log p steps, each inner node forwarding its subtree's blocks in one message.</summary>
internal static unsafe class GatherScatter
{
    public static void Gather(CollectiveTransport t, byte* send, byte* recv, long blockBytes, int root)
    {
        int size = t.Size, rank = t.Rank;
        if (size == 1)
        {
            Combine.Copy(send, recv, blockBytes);
            return;
        }
        int relative = (rank - root + size) % size;
        int subtree = Subtree(relative, size);
        using ScratchBuffer work = ScratchPool.Rent(Math.Max(1, subtree * blockBytes));
        byte* w = work.Pointer; // blocks of relative ranks relative .. relative+subtree-1
        Combine.Copy(send, w, blockBytes);
        for (int mask = 1; mask < size; mask <<= 1)
        {
            if ((relative & mask) != 0)
            {
                t.Send(w, subtree * blockBytes, (relative - mask + root) % size, CollectiveTags.Gather);
                break;
            }
            int child = relative + mask;
            if (child < size)
            {
                int blocks = Math.Min(mask, size - child);
                t.Recv(w + mask * blockBytes, blocks * blockBytes, (child + root) % size, CollectiveTags.Gather);
            }
        }
        if (relative == 0)
        {
            for (int i = 0; i < size; i++)
                Combine.Copy(w + i * blockBytes, recv + ((i + root) % size) * blockBytes, blockBytes);
        }
    }

    public static void Scatter(CollectiveTransport t, byte* send, byte* recv, long blockBytes, int root)
    {
        int size = t.Size, rank = t.Rank;
        if (size == 1)
        {
            Combine.Copy(send, recv, blockBytes);
            return;
        }
        int relative = (rank - root + size) % size;
        int subtree = Subtree(relative, size);
        using ScratchBuffer work = ScratchPool.Rent(Math.Max(1, subtree * blockBytes));
        byte* w = work.Pointer;
        if (relative == 0)
        {
            for (int i = 0; i < size; i++)
                Combine.Copy(send + ((i + root) % size) * blockBytes, w + i * blockBytes, blockBytes);
        }
        int mask = 1;
        while (mask < size)
        {
            if ((relative & mask) != 0)
            {
                t.Recv(w, subtree * blockBytes, (relative - mask + root) % size, CollectiveTags.Scatter);
                break;
            }
            mask <<= 1;
        }
        for (mask >>= 1; mask > 0; mask >>= 1)
        {
            int child = relative + mask;
            if (child < size)
            {
                int blocks = Math.Min(mask, size - child);
                t.Send(w + mask * blockBytes, blocks * blockBytes, (child + root) % size, CollectiveTags.Scatter);
            }
        }
        Combine.Copy(w, recv, blockBytes);
    }

    /// <summary>Ranks in the binomial subtree rooted at a relative rank: up to its lowest set bit.</summary>
    private static int Subtree(int relative, int size)
    {
        int lowest = relative == 0 ? Reduction.LargestPowerOfTwo(size) * 2 : relative & -relative;
        return Math.Min(lowest, size - relative);
    }
}
