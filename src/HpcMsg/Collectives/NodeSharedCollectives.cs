using HpcMsg.Engine;
using HpcMsg.Transports;

namespace HpcMsg.Collectives;

/// <summary>
/// Small collectives of a one-node world through the segment's per-rank slots, fenced by the node
/// barrier: no messages at all. Allreduce: every rank writes its vector to its slot, and after the
/// barrier every rank combines all slots itself in rank order (so the result is bit-identical on
/// every rank and works for non-commutative ops). Broadcast: the root writes its slot, the others
/// copy it out after the barrier.
/// <para>
/// One barrier, not two, up to half a slot: calls alternate between the two halves of every slot
/// (<see cref="NodeSlotCycle"/>), so a rank may write its half for the next call while a slower rank
/// still reads the other half from the last one; it cannot lap that reader, because it writes the
/// same half again only after passing the next call's barrier, which waits for the reader. Oversubscribed
/// (np 4 on 2 cores) a node barrier costs ~10 us of scheduling, so the second barrier was half the
/// time of a small Allreduce. Above half a slot a call uses the whole slot and ends with a second
/// barrier (everything is free after it); it starts with one more when the call before it used a half,
/// whose readers may still be reading.
/// </para>
/// </summary>
internal static unsafe class NodeSharedCollectives
{
    public const int MaxBytes = INodeSharedSlots.SlotBytes;

    /// <summary>The largest payload of a one-barrier call.</summary>
    public const int HalfBytes = MaxBytes / 2;

    public static bool Available(Communicator comm, long bytes) =>
        comm.IsWorld && comm.Engine.HasNodeBarrier && bytes <= MaxBytes;

    public static void Allreduce(Communicator comm, INodeSharedSlots shm, byte* send, byte* recv, int count, Combiner op)
    {
        ProgressEngine engine = comm.Engine;
        long bytes = (long)count * op.ElementSize;
        int size = shm.Ranks, rank = engine.WorldRank;
        int offset = Begin(comm.SlotCycle!, engine, bytes);
        Combine.Copy(send, shm.Slot(rank) + offset, bytes);
        engine.NodeBarrier();
        // recv = slot0 ∘ slot1 ∘ ... built from the highest rank down, so every step is (lower) ∘ (higher).
        Combine.Copy(shm.Slot(size - 1) + offset, recv, bytes);
        for (int r = size - 2; r >= 0; r--) op.Into(shm.Slot(r) + offset, recv, count);
        if (bytes > HalfBytes) engine.NodeBarrier();
    }

    public static void Broadcast(Communicator comm, INodeSharedSlots shm, byte* buffer, long bytes, int root)
    {
        ProgressEngine engine = comm.Engine;
        int offset = Begin(comm.SlotCycle!, engine, bytes);
        if (engine.WorldRank == root) Combine.Copy(buffer, shm.Slot(root) + offset, bytes);
        engine.NodeBarrier();
        if (engine.WorldRank != root) Combine.Copy(shm.Slot(root) + offset, buffer, bytes);
        if (bytes > HalfBytes) engine.NodeBarrier();
    }

    /// <summary>Where in the slots this call writes: a half, alternating, or the whole slot once the
    /// last call's readers are done.</summary>
    private static int Begin(NodeSlotCycle cycle, ProgressEngine engine, long bytes)
    {
        if (bytes <= HalfBytes)
        {
            cycle.HalfInUse = true;
            return (cycle.Calls++ & 1) * HalfBytes;
        }
        if (cycle.HalfInUse) engine.NodeBarrier();
        cycle.HalfInUse = false;
        return 0;
    }
}

/// <summary>The world's state of its node collectives: every rank makes the same calls in the same
/// order, so every rank's copy says the same.</summary>
internal sealed class NodeSlotCycle
{
    /// <summary>One-barrier calls so far: the parity picks the half of the slots.</summary>
    public int Calls;

    /// <summary>The last call used a half: slower ranks may still be reading it.</summary>
    public bool HalfInUse;
}
