using System.Buffers;
using HpcMsg.Engine;

namespace HpcMsg.Collectives;

/// <summary>The v-collectives (blocks of different sizes, displacements = running sums of counts):
/// linear with every transfer posted at once, as MPICH does; Allgatherv runs a ring.</summary>
internal static unsafe class VariableBlocks
{
    public static void Gatherv(CollectiveTransport t, byte* send, long sendBytes, byte* recv, ReadOnlySpan<long> blockBytes, int root)
    {
        int size = t.Size, rank = t.Rank;
        if (rank != root)
        {
            t.Send(send, sendBytes, root, CollectiveTags.Gather + 1);
            return;
        }
        Operation?[] requests = ArrayPool<Operation?>.Shared.Rent(size);
        try
        {
            long offset = 0;
            int n = 0;
            for (int i = 0; i < size; i++)
            {
                if (i == rank) Combine.Copy(send, recv + offset, blockBytes[i]);
                else requests[n++] = t.IRecv(recv + offset, blockBytes[i], i, CollectiveTags.Gather + 1);
                offset += blockBytes[i];
            }
            t.FinishAll(requests.AsSpan(0, n));
        }
        finally
        {
            t.ReturnRequests(requests);
        }
    }

    public static void Scatterv(CollectiveTransport t, byte* send, ReadOnlySpan<long> blockBytes, byte* recv, long recvBytes, int root)
    {
        int size = t.Size, rank = t.Rank;
        if (rank != root)
        {
            t.Recv(recv, recvBytes, root, CollectiveTags.Scatter + 1);
            return;
        }
        Operation?[] requests = ArrayPool<Operation?>.Shared.Rent(size);
        try
        {
            long offset = 0;
            int n = 0;
            for (int i = 0; i < size; i++)
            {
                if (i == rank) Combine.Copy(send + offset, recv, blockBytes[i]);
                else requests[n++] = t.ISend(send + offset, blockBytes[i], i, CollectiveTags.Scatter + 1);
                offset += blockBytes[i];
            }
            t.FinishAll(requests.AsSpan(0, n));
        }
        finally
        {
            t.ReturnRequests(requests);
        }
    }

    public static void Allgatherv(CollectiveTransport t, byte* send, byte* recv, ReadOnlySpan<long> blockBytes, ReadOnlySpan<long> offsets)
    {
        int size = t.Size, rank = t.Rank;
        Combine.Copy(send, recv + offsets[rank], blockBytes[rank]);
        int left = (rank - 1 + size) % size, right = (rank + 1) % size;
        for (int step = 0; step < size - 1; step++)
        {
            int sendBlock = (rank - step + size) % size, recvBlock = (rank - step - 1 + size) % size;
            t.SendRecv(recv + offsets[sendBlock], blockBytes[sendBlock], right,
                recv + offsets[recvBlock], blockBytes[recvBlock], left, CollectiveTags.Allgather + 3);
        }
    }

    public static void Alltoallv(CollectiveTransport t, byte* send, ReadOnlySpan<long> sendBytes, ReadOnlySpan<long> sendOffsets,
        byte* recv, ReadOnlySpan<long> recvBytes, ReadOnlySpan<long> recvOffsets)
    {
        int size = t.Size, rank = t.Rank;
        Combine.Copy(send + sendOffsets[rank], recv + recvOffsets[rank], Math.Min(sendBytes[rank], recvBytes[rank]));
        if (sendBytes[rank] != recvBytes[rank])
            throw new ArgumentException($"Alltoallv: rank {rank} sends itself {sendBytes[rank]} bytes but expects {recvBytes[rank]}");
        Operation?[] requests = ArrayPool<Operation?>.Shared.Rent(2 * size);
        try
        {
            int n = 0;
            for (int step = 1; step < size; step++)
            {
                int from = (rank - step + size) % size;
                requests[n++] = t.IRecv(recv + recvOffsets[from], recvBytes[from], from, CollectiveTags.Alltoall + 3);
            }
            for (int step = 1; step < size; step++)
            {
                int to = (rank + step) % size;
                requests[n++] = t.ISend(send + sendOffsets[to], sendBytes[to], to, CollectiveTags.Alltoall + 3);
            }
            t.FinishAll(requests.AsSpan(0, n));
        }
        finally
        {
            t.ReturnRequests(requests);
        }
    }
}
