using HpcMsg.Transports.Shm;

namespace HpcMsg.Engine;

/// <summary>
/// A barrier of every rank of the node through the shared segment (MPICH's "release/gather" idea in
/// its simplest form): each rank increments one arrival counter; the last one resets it, bumps the
/// generation and wakes the sleepers; the others wait for the generation to change, driving
/// progress meanwhile. One atomic per rank instead of log2(p) rounds of messages.
/// </summary>
internal sealed unsafe partial class ProgressEngine
{
    /// <summary>True when the node barrier covers the whole job (every rank shares this segment).</summary>
    public bool HasNodeBarrier => _shm is not null && _shm.Size == WorldSize;

    public void NodeBarrier()
    {
        ShmSegment shm = _shm!;
        int generation = Volatile.Read(ref *shm.BarrierGeneration);
        if (Interlocked.Increment(ref *shm.BarrierArrivals) == WorldSize)
        {
            // Reset before release: a rank that sees the new generation may enter the next barrier at once.
            Volatile.Write(ref *shm.BarrierArrivals, 0);
            Interlocked.Increment(ref *shm.BarrierGeneration);
            for (int r = 0; r < WorldSize; r++)
            {
                if (r != WorldRank) WakeIfSleeping(r);
            }
            return;
        }
        var backoff = new Backoff(Config);
        while (Volatile.Read(ref *shm.BarrierGeneration) == generation)
        {
            bool progressed;
            using (_lock.EnterScope())
            {
                ThrowIfJobEnding();
                progressed = ProgressLocked();
            }
            if (Volatile.Read(ref *shm.BarrierGeneration) != generation) return;
            if (progressed) backoff.Reset(); else backoff.Idle(this, null, shm.BarrierGeneration, generation);
        }
    }
}
