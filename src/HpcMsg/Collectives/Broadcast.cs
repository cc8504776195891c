namespace HpcMsg.Collectives;

/// <summary>Broadcast: binomial tree for short messages, van de Geijn's scatter + ring allgather
/// for long ones (log p latency against ~2n bandwidth).</summary>
internal static unsafe class Broadcast
{
    public static void Run(CollectiveTransport t, byte* buffer, long bytes, int root)
    {
        if (t.Size == 1) return;
        switch (CollectiveTuning.ChooseBcast(bytes, t.Size, NodeSharedCollectives.Available(t.Comm, bytes)))
        {
            case BcastAlgorithm.Binomial:
                Binomial(t, buffer, bytes, root);
                break;
            case BcastAlgorithm.ScatterAllgather:
                ScatterAllgather(t, buffer, bytes, root);
                break;
            default:
                NodeSharedCollectives.Broadcast(t.Comm.Engine, t.Comm.Segment!, buffer, bytes, root);
                break;
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
        for (mask >>= 1; mask > 0; mask >>= 1)
        {
            if (relative + mask < size) t.Send(buffer, bytes, (rank + mask) % size, CollectiveTags.Bcast);
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
