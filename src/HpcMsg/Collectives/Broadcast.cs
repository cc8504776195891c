using HpcMsg.Engine;

namespace HpcMsg.Collectives;

/// <summary>Broadcast: on up to 8 ranks, linear for eager sizes (and for larger ones on a one-node world
/// whose large messages may be single copies, or whose ranks outnumber its cores); otherwise a binomial
/// tree for short messages and van de Geijn's scatter + ring allgather for long ones (log p latency
/// against ~2n bandwidth).</summary>
internal static unsafe class Broadcast
{
    public static void Run(CollectiveTransport t, byte* buffer, long bytes, int root)
    {
        if (t.Size == 1) return;
        ProgressEngine engine = t.Comm.Engine;
        bool linearAtAnySize = t.Comm.IsWorld && engine.HasNodeBarrier && (engine.Config.LargePath != LargeMessagePath.Pipeline || engine.Config.Oversubscribed);
        switch (t.Comm.Tuning.ChooseBcast(bytes, t.Size, NodeSharedCollectives.Available(t.Comm, bytes), linearAtAnySize, engine.EagerLimitEverywhere))
        {
            case BcastAlgorithm.Linear:
                Linear(t, buffer, bytes, root);
                break;
            case BcastAlgorithm.Binomial:
                Binomial(t, buffer, bytes, root);
                break;
            case BcastAlgorithm.ScatterAllgather:
                ScatterAllgather(t, buffer, bytes, root);
                break;
            default:
                NodeSharedCollectives.Broadcast(t.Comm, t.Comm.Engine.NodeSlots!, buffer, bytes, root);
                break;
        }
    }

    /// <summary>The root starts a send to every rank and waits for all; each rank receives from the root.</summary>
    public static void Linear(CollectiveTransport t, byte* buffer, long bytes, int root)
    {
        int size = t.Size, rank = t.Rank;
        if (rank != root)
        {
            t.Recv(buffer, bytes, root, CollectiveTags.Bcast + 1);
            return;
        }
        if (bytes <= t.Comm.Engine.EagerLimitEverywhere)
        {
            // Eager sends complete at once: no requests needed.
            for (int step = 1; step < size; step++) t.Send(buffer, bytes, (root + step) % size, CollectiveTags.Bcast + 1);
            return;
        }
        Operation?[] sends = System.Buffers.ArrayPool<Operation?>.Shared.Rent(size - 1);
        try
        {
            int n = 0;
            for (int step = 1; step < size; step++)
                sends[n++] = t.ISend(buffer, bytes, (root + step) % size, CollectiveTags.Bcast + 1);
            t.FinishAll(sends.AsSpan(0, n));
        }
        finally
        {
            t.ReturnRequests(sends);
        }
    }

    public static void Binomial(CollectiveTransport t, byte* buffer, long bytes, int root)
    {
        int size = t.Size, rank = t.Rank;
        int relative = (rank - root + size) % size;
        int mask = 1;
        while (mask < size)
        {
            if ((relative & mask) != 0)
            {
                t.Recv(buffer, bytes, (rank - mask + size) % size, CollectiveTags.Bcast);
                break;
            }
            mask <<= 1;
        }
        if (bytes <= t.Comm.Engine.EagerLimitEverywhere)
        {
            for (mask >>= 1; mask > 0; mask >>= 1)
            {
                if (relative + mask < size) t.Send(buffer, bytes, (rank + mask) % size, CollectiveTags.Bcast);
            }
            return;
        }
        // Large: start every child's send before waiting for any, so that a child that is slow to
        // take its copy (descheduled, when ranks share cores) does not hold up its siblings.
        Operation?[] pooled = System.Buffers.ArrayPool<Operation?>.Shared.Rent(32);
        try
        {
            int n = 0;
            for (mask >>= 1; mask > 0; mask >>= 1)
            {
                if (relative + mask < size) pooled[n++] = t.ISend(buffer, bytes, (rank + mask) % size, CollectiveTags.Bcast);
            }
            t.FinishAll(pooled.AsSpan(0, n));
        }
        finally
        {
            t.ReturnRequests(pooled);
        }
    }

    public static void ScatterAllgather(CollectiveTransport t, byte* buffer, long bytes, int root)
    {
        int size = t.Size, rank = t.Rank;
        int relative = (rank - root + size) % size;
        long chunk = (bytes + size - 1) / size;

        // Binomial scatter: the subtree under a rank receives the blocks of its relative ranks.
        long have = relative == 0 ? bytes : 0;
        int mask = 1;
        while (mask < size)
        {
            if ((relative & mask) != 0)
            {
                long expect = bytes - relative * chunk;
                if (expect > 0)
                    have = t.RecvUpTo(buffer + relative * chunk, expect, (rank - mask + size) % size, CollectiveTags.Bcast);
                break;
            }
            mask <<= 1;
        }
        for (mask >>= 1; mask > 0; mask >>= 1)
        {
            if (relative + mask < size)
            {
                long sendBytes = have - chunk * mask;
                if (sendBytes > 0)
                {
                    t.Send(buffer + chunk * (relative + mask), sendBytes, (rank + mask) % size, CollectiveTags.Bcast);
                    have -= sendBytes;
                }
            }
        }

        // Ring allgather of the blocks (block i belongs to relative rank i).
        int left = (rank - 1 + size) % size, right = (rank + 1) % size;
        int sendBlock = relative, recvBlock = (relative - 1 + size) % size;
        for (int step = 0; step < size - 1; step++)
        {
            long sendOffset = sendBlock * chunk, recvOffset = recvBlock * chunk;
            long sendBytes = Math.Clamp(bytes - sendOffset, 0, chunk);
            long recvBytes = Math.Clamp(bytes - recvOffset, 0, chunk);
            t.SendRecv(buffer + Math.Min(sendOffset, bytes), sendBytes, right, buffer + Math.Min(recvOffset, bytes), recvBytes, left, CollectiveTags.Bcast + 1);
            sendBlock = recvBlock;
            recvBlock = (recvBlock - 1 + size) % size;
        }
    }
}
