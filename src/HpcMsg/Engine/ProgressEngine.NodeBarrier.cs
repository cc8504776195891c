using HpcMsg.Transports;

namespace HpcMsg.Engine;

/// <summary>
/// A barrier of every rank of the node through the node transport's barrier words (MPICH's "release/gather" idea in
/// its simplest form): each rank but the first stores the barrier's number in its own arrival word;
/// the first (world rank 0) waits for all of them, bumps the generation and wakes the sleepers; the
/// others wait for the generation to change, driving progress meanwhile.
/// Plain stores, each word written by one rank: an atomic increment of a shared counter made each
/// arriver wait for the counter's line to come from rank 0's core before it could go on (np = 2,
/// near placement: 0.10-0.12 us against 0.11-0.13; far and at np = 4 no change measured).
/// Rank 0 releases, rather than whichever rank arrives last, because it is the usual root: it leaves
/// the barrier first and is already running, so a Bcast, Scatter or Reduce that follows finds its
/// data sent by the time the others look. Oversubscribed this halves what follows the barrier (the
/// last arriver, often not the root, would otherwise run on while the root waits for a core).
/// </summary>
internal sealed unsafe partial class ProgressEngine
{
    /// <summary>The node's shared per-rank slots, for node collectives (null without a node transport):
    /// what the node transport offers them, without their naming it.</summary>
    public INodeSharedSlots? NodeSlots => _node?.Slots;

    /// <summary>True when the node barrier covers the whole job (every rank is on this node).</summary>
    public bool HasNodeBarrier => _node is not null && _node.NodeRanks == WorldSize;

    public void NodeBarrier()
    {
        NodeTransport node = _node!;
        // Only rank 0 changes the generation, and only once every rank has arrived: it cannot move
        // between this read and this rank's arrival.
        int generation = Volatile.Read(ref *node.BarrierGeneration);
        int next = generation + 1;
        if (WorldRank != 0)
        {
            Volatile.Write(ref *node.BarrierArrival(WorldRank), next);
            WakeIfSleeping(0);
            WaitWhileEquals(node.BarrierGeneration, generation);
            return;
        }
        for (int r = 1; r < WorldSize; r++)
        {
            int* arrival = node.BarrierArrival(r);
            int seen;
            while ((seen = Volatile.Read(ref *arrival)) != next) WaitWhileEquals(arrival, seen);
        }
        Volatile.Write(ref *node.BarrierGeneration, next);
        for (int r = 1; r < WorldSize; r++) WakeIfSleeping(r);
    }

    /// <summary>
    /// A barrier of every rank of the node by dissemination over the ranks' round counts: in round k
    /// each rank stores that it has entered round k and waits until the rank 2^k below it has too.
    /// After ceil(log2 n) rounds every rank has heard, through a chain, from every other. One count a
    /// rank, written by it alone and only ever growing: a partner that is already in a later round or
    /// barrier has passed the value waited for, so nothing is reset between barriers and a fast rank
    /// cannot overwrite a signal its partner has not read yet. Every rank starts a barrier at the same
    /// count (each has entered the same rounds), which it reads back from its own word.
    /// At np = 2 this is one exchange: both ranks store and read at once and leave after one line
    /// transfer, where the gather/release barrier (<see cref="NodeBarrier"/>) takes two in a row; but
    /// then no rank leaves first (HPCMSG_COLL_BARRIER=shared_dissemination; CollectiveTuning says why
    /// it is not the default).
    /// </summary>
    public void NodeDisseminationBarrier()
    {
        NodeTransport node = _node!;
        int size = WorldSize, rank = WorldRank;
        int* mine = node.BarrierRounds(rank);
        int entered = *mine; // only this rank writes it
        for (int distance = 1; distance < size; distance <<= 1)
        {
            int round = ++entered;
            Volatile.Write(ref *mine, round);
            WakeIfSleeping((rank + distance) % size);
            int* partner = node.BarrierRounds((rank - distance + size) % size);
            int seen;
            // The count wraps after 2^31 rounds; the difference stays right as long as the partner is
            // less than 2^31 rounds ahead, and it is at most one barrier ahead.
            while ((seen = Volatile.Read(ref *partner)) - round < 0) WaitWhileEquals(partner, seen);
        }
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
