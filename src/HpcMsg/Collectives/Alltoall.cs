using System.Runtime.CompilerServices;
using HpcMsg.Internal;

namespace HpcMsg.Collectives;

/// <summary>Alltoall of equal blocks: Bruck for tiny blocks on many ranks (log p messages of
/// p/2 blocks), every send and receive posted at once for medium blocks (and for all blocks when
/// the ranks outnumber the cores), pairwise exchange for large ones (one partner at a time, so no
/// rank is flooded).</summary>
internal static unsafe class Alltoall
{
    public static void Run(CollectiveTransport t, byte* send, byte* recv, long blockBytes)
    {
        int size = t.Size, rank = t.Rank;
        Combine.Copy(send + rank * blockBytes, recv + rank * blockBytes, blockBytes);
        if (size == 1) return;
        switch (t.Comm.Tuning.ChooseAlltoall(blockBytes, size, t.Comm.Engine.Config.Oversubscribed))
        {
            case AlltoallAlgorithm.Bruck:
                Bruck(t, send, recv, blockBytes);
                break;
            case AlltoallAlgorithm.Posted:
                Posted(t, send, recv, blockBytes);
                break;
            default:
                Pairwise(t, send, recv, blockBytes);
                break;
        }
    }

    private static void Pairwise(CollectiveTransport t, byte* send, byte* recv, long blockBytes)
    {
        int size = t.Size, rank = t.Rank;
        for (int step = 1; step < size; step++)
        {
            int to = (rank + step) % size, from = (rank - step + size) % size;
            t.SendRecv(send + to * blockBytes, blockBytes, to, recv + from * blockBytes, blockBytes, from, CollectiveTags.Alltoall);
        }
    }

    private static void Posted(CollectiveTransport t, byte* send, byte* recv, long blockBytes) =>
        t.ExchangeWithEveryRank(send, blockBytes, recv, blockBytes, CollectiveTags.Alltoall + 1);

    /// <summary>Bruck: rotate so that block i goes to rank+i; in step k send every block whose index
    /// has bit k set to rank+2^k; finally rotate back (block i came from rank-i).</summary>
    [SkipLocalsInit]
    private static void Bruck(CollectiveTransport t, byte* send, byte* recv, long blockBytes)
    {
        int size = t.Size, rank = t.Rank;
        byte* onStack = stackalloc byte[3 * ScratchPool.StackBytes];
        using ScratchBuffer workBuffer = ScratchPool.Rent(size * blockBytes, onStack);
        using ScratchBuffer packBuffer = ScratchPool.Rent((size / 2 + 1) * blockBytes, onStack + ScratchPool.StackBytes);
        using ScratchBuffer unpackBuffer = ScratchPool.Rent((size / 2 + 1) * blockBytes, onStack + 2 * ScratchPool.StackBytes);
        byte* work = workBuffer.Pointer, pack = packBuffer.Pointer, unpack = unpackBuffer.Pointer;
        for (int i = 0; i < size; i++)
            Combine.Copy(send + ((rank + i) % size) * blockBytes, work + i * blockBytes, blockBytes);
        for (int bit = 1; bit < size; bit <<= 1)
        {
            int blocks = 0;
            for (int i = 1; i < size; i++)
            {
                if ((i & bit) != 0) Combine.Copy(work + i * blockBytes, pack + blocks++ * blockBytes, blockBytes);
            }
            int to = (rank + bit) % size, from = (rank - bit + size) % size;
            t.SendRecv(pack, blocks * blockBytes, to, unpack, blocks * blockBytes, from, CollectiveTags.Alltoall + 2);
            blocks = 0;
            for (int i = 1; i < size; i++)
            {
                if ((i & bit) != 0) Combine.Copy(unpack + blocks++ * blockBytes, work + i * blockBytes, blockBytes);
            }
        }
        for (int i = 0; i < size; i++)
            Combine.Copy(work + i * blockBytes, recv + ((rank - i + size) % size) * blockBytes, blockBytes);
    }
}
