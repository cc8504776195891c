using HpcMsg.Engine;
using HpcMsg.Transports;

namespace HpcMsg.Collectives;

/// <summary>
/// Small collectives of a one-node world through the segment's per-rank slots, fenced by the node
/// barrier: no messages at all. Allreduce: every rank writes its vector to its slot, and after the
/// barrier every rank combines all slots itself in rank order (so the result is bit-identical on
/// every rank and works for non-commutative ops); a second barrier frees the slots for reuse.
/// Broadcast: the root writes its slot, the others copy it out between the two barriers.
/// </summary>
internal static unsafe class NodeSharedCollectives
{
    public const int MaxBytes = INodeSharedSlots.SlotBytes;

    public static bool Available(Communicator comm, long bytes) =>
        comm.IsWorld && comm.Engine.HasNodeBarrier && bytes <= MaxBytes;

    public static void Allreduce(ProgressEngine engine, INodeSharedSlots shm, byte* send, byte* recv, int count, Combiner op)
    {
        long bytes = (long)count * op.ElementSize;
        int size = shm.Ranks, rank = engine.WorldRank;
        Combine.Copy(send, shm.Slot(rank), bytes);
        engine.NodeBarrier();
        // recv = slot0 ∘ slot1 ∘ ... built from the highest rank down, so every step is (lower) ∘ (higher).
        Combine.Copy(shm.Slot(size - 1), recv, bytes);
        for (int r = size - 2; r >= 0; r--) op.Into(shm.Slot(r), recv, count);
        engine.NodeBarrier();
    }

    public static void Broadcast(ProgressEngine engine, INodeSharedSlots shm, byte* buffer, long bytes, int root)
    {
        if (engine.WorldRank == root) Combine.Copy(buffer, shm.Slot(root), bytes);
        engine.NodeBarrier();
        if (engine.WorldRank != root) Combine.Copy(shm.Slot(root), buffer, bytes);
        engine.NodeBarrier();
    }
}
