using System.Runtime.CompilerServices;
using System.Buffers;
using HpcMsg.Engine;
using HpcMsg.Internal;

namespace HpcMsg.Collectives;

/// <summary>Gather and Scatter of equal blocks. Small blocks: a binomial tree (MPICH's choice at every
/// size), log p steps, each inner node forwarding its subtree's blocks in one message. Large blocks:
/// linear, every block straight between the root's buffer and its rank (Open MPI's choice), because
/// forwarding moves each byte log p times and copies the root's blocks through scratch.</summary>
internal static unsafe class GatherScatter
{
    [SkipLocalsInit]
    public static void Gather(CollectiveTransport t, byte* send, byte* recv, long blockBytes, int root)
    {
        int size = t.Size, rank = t.Rank;
        if (size == 1)
        {
            Combine.Copy(send, recv, blockBytes);
            return;
        }
        if (t.Comm.Tuning.ChooseGatherScatter(blockBytes, size) == GatherScatterAlgorithm.Linear)
        {
            LinearGather(t, send, recv, blockBytes, root);
            return;
        }
        int relative = (rank - root + size) % size;
        int subtree = Subtree(relative, size);
        byte* onStack = stackalloc byte[ScratchPool.StackBytes];
        using ScratchBuffer work = ScratchPool.Rent(Math.Max(1, subtree * blockBytes), onStack);
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

    [SkipLocalsInit]
    public static void Scatter(CollectiveTransport t, byte* send, byte* recv, long blockBytes, int root)
    {
        int size = t.Size, rank = t.Rank;
        if (size == 1)
        {
            Combine.Copy(send, recv, blockBytes);
            return;
        }
        if (t.Comm.Tuning.ChooseGatherScatter(blockBytes, size) == GatherScatterAlgorithm.Linear)
        {
            LinearScatter(t, send, recv, blockBytes, root);
            return;
        }
        int relative = (rank - root + size) % size;
        int subtree = Subtree(relative, size);
        byte* onStack = stackalloc byte[ScratchPool.StackBytes];
        using ScratchBuffer work = ScratchPool.Rent(Math.Max(1, subtree * blockBytes), onStack);
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

    private static void LinearGather(CollectiveTransport t, byte* send, byte* recv, long blockBytes, int root)
    {
        int size = t.Size, rank = t.Rank;
        if (rank != root)
        {
            t.Send(send, blockBytes, root, CollectiveTags.Gather + 1);
            return;
        }
        byte* own = recv + root * blockBytes;
        if (size == 2 && !Combine.Overlap(send, blockBytes, recv, 2 * blockBytes))
        {
            // The other block first, then the own one: the sender waits for the root's read of its
            // block (single copy), which no longer waits behind the root's own copy. np 2, 1 MiB,
            // interleaved, far: 82-112 us against 108-123 copying first; 256 KiB 22.5-25 against 24-32.
            t.Recv(recv + (1 - root) * blockBytes, blockBytes, 1 - root, CollectiveTags.Gather + 1);
            Combine.Copy(send, own, blockBytes);
            return;
        }
        // The root's own block first: a send span inside recv must be read before blocks land on it.
        Combine.Copy(send, own, blockBytes);
        if (size == 2)
        {
            t.Recv(recv + (1 - root) * blockBytes, blockBytes, 1 - root, CollectiveTags.Gather + 1);
            return;
        }
        Operation?[] requests = ArrayPool<Operation?>.Shared.Rent(size - 1);
        try
        {
            int n = 0;
            for (int step = 1; step < size; step++)
            {
                int from = (root + step) % size;
                requests[n++] = t.IRecv(recv + from * blockBytes, blockBytes, from, CollectiveTags.Gather + 1);
            }
            t.FinishAll(requests.AsSpan(0, n));
        }
        finally
        {
            t.ReturnRequests(requests);
        }
    }

    private static void LinearScatter(CollectiveTransport t, byte* send, byte* recv, long blockBytes, int root)
    {
        int size = t.Size, rank = t.Rank;
        if (rank != root)
        {
            t.Recv(recv, blockBytes, root, CollectiveTags.Scatter + 1);
            return;
        }
        if (size == 2)
        {
            t.Send(send + (1 - root) * blockBytes, blockBytes, 1 - root, CollectiveTags.Scatter + 1);
            Combine.Copy(send + root * blockBytes, recv, blockBytes);
            return;
        }
        Operation?[] requests = ArrayPool<Operation?>.Shared.Rent(size - 1);
        try
        {
            int n = 0;
            for (int step = 1; step < size; step++)
            {
                int to = (root + step) % size;
                requests[n++] = t.ISend(send + to * blockBytes, blockBytes, to, CollectiveTags.Scatter + 1);
            }
            t.FinishAll(requests.AsSpan(0, n));
        }
        finally
        {
            t.ReturnRequests(requests);
        }
        // Last: a recv span inside send must not be written while other blocks are still being read.
        Combine.Copy(send + root * blockBytes, recv, blockBytes);
    }

    /// <summary>Ranks in the binomial subtree rooted at a relative rank: up to its lowest set bit.</summary>
    private static int Subtree(int relative, int size)
    {
        int lowest = relative == 0 ? Reduction.LargestPowerOfTwo(size) * 2 : relative & -relative;
        return Math.Min(lowest, size - relative);
    }
}
