using HpcMsg.Transports.Shm;

namespace HpcMsg.Engine;

/// <summary>
/// A barrier of every rank of the node through the shared segment (MPICH's "release/gather" idea in
/// its simplest form): each rank but the first increments one arrival counter; the first (world
/// rank 0) waits for all of them, resets the counter, bumps the generation and wakes the sleepers;
/// the others wait for the generation to change, driving progress meanwhile. One atomic per rank
/// instead of log2(p) rounds of messages.
/// Rank 0 releases, rather than whichever rank arrives last, because it is the usual root: it leaves
/// the barrier first and is already running, so a Bcast, Scatter or Reduce that follows finds its
/// data sent by the time the others look. Oversubscribed this halves what follows the barrier (the
/// last arriver, often not the root, would otherwise run on while the root waits for a core).
/// </summary>
internal sealed unsafe partial class ProgressEngine
{
    /// <summary>True when the node barrier covers the whole job (every rank shares this segment).</summary>
    public bool HasNodeBarrier => _shm is not null && _shm.Size == WorldSize;

    public void NodeBarrier()
    {
        ShmSegment shm = _shm!;
        int generation = Volatile.Read(ref *shm.BarrierGeneration);
        if (WorldRank != 0)
        {
            if (Interlocked.Increment(ref *shm.BarrierArrivals) == WorldSize - 1) WakeIfSleeping(0);
            WaitWhileEquals(shm.BarrierGeneration, generation);
            return;
        }
        int arrived;
        while ((arrived = Volatile.Read(ref *shm.BarrierArrivals)) != WorldSize - 1)
            WaitWhileEquals(shm.BarrierArrivals, arrived);
        // Reset before release: a rank that sees the new generation may enter the next barrier at once.
        Volatile.Write(ref *shm.BarrierArrivals, 0);
        Interlocked.Increment(ref *shm.BarrierGeneration);
        for (int r = 1; r < WorldSize; r++) WakeIfSleeping(r);
    }

    /// <summary>Drives progress until <paramref name="word"/> differs from <paramref name="value"/>.</summary>
    private void WaitWhileEquals(int* word, int value)
    {
        var backoff = new Backoff(Config);
        while (Volatile.Read(ref *word) == value)
        {
            if (!MayHaveWork())
            {
                backoff.Idle(this, null, word, value);
                continue;
            }
            bool progressed;
            using (_lock.EnterScope())
            {
                ThrowIfJobEnding();
                progressed = ProgressLocked();
            }
            if (progressed) backoff.Reset(); else backoff.Idle(this, null, word, value);
        }
    }
}
