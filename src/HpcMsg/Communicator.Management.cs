using HpcMsg.Collectives;

namespace HpcMsg;

/// <summary>Making new communicators. Both calls are collective over this communicator.</summary>
public sealed unsafe partial class Communicator
{
    /// <summary>Same group, separate message space: traffic on the copy never matches the original.</summary>
    public Communicator Dup()
    {
        ThrowIfDisposed();
        int context = AgreeOnContext();
        return new Communicator(Engine, context, Rank, Size, _worldRanks is null ? null : WorldRanksCopy(), null, isWorld: false, Tuning);
    }

    /// <summary>As MPI_Comm_split: ranks with the same <paramref name="color"/> form a new communicator,
    /// ordered by <paramref name="key"/> and then by rank here. A negative color
    /// (<see cref="Undefined"/>) takes part but gets <c>null</c>.</summary>
    public Communicator? Split(int color, int key)
    {
        ThrowIfDisposed();
        Span<int> mine = [color, key];
        var all = new int[2 * Size];
        fixed (int* m = mine)
        fixed (int* a = all)
            Collectives.Allgather.Run(new CollectiveTransport(this), (byte*)m, (byte*)a, 2 * sizeof(int));
        int context = AgreeOnContext(); // every rank of this communicator takes part, even with Undefined
        if (color < 0)
        {
            ContextIds.Release(context); // not a member: no message with this id can come here
            return null;
        }

        var members = new List<(int Key, int Rank)>();
        for (int r = 0; r < Size; r++)
        {
            if (all[2 * r] == color) members.Add((all[2 * r + 1], r));
        }
        members.Sort();
        var worldRanks = new int[members.Count];
        int newRank = -1;
        for (int i = 0; i < members.Count; i++)
        {
            worldRanks[i] = WorldRankOf(members[i].Rank);
            if (members[i].Rank == Rank) newRank = i;
        }
        return new Communicator(Engine, context, newRank, members.Count, worldRanks, null, isWorld: false, Tuning);
    }

    /// <summary>The lowest context slot free in every member: their free masks ANDed.</summary>
    private int AgreeOnContext()
    {
        ulong* mask = stackalloc ulong[ContextIds.MaskWords];
        ContextIds.CopyFreeMask(new Span<ulong>(mask, ContextIds.MaskWords));
        Collectives.Barrier.AllreduceAnd(new CollectiveTransport(this), mask, ContextIds.MaskWords);
        return ContextIds.Claim(new ReadOnlySpan<ulong>(mask, ContextIds.MaskWords));
    }

    /// <summary>
    /// Frees a communicator from Dup or Split (collective over it, as MPI_Comm_free). Every member
    /// sends an empty message to every other in the collective context and waits for theirs: messages
    /// between two ranks arrive in order, so once a member has heard from all, nothing sent on this
    /// communicator is still on its way to it. What it left unreceived is then dropped, and its context
    /// id can be reused safely, without a stale message ever matching a receive on its successor.
    /// </summary>
    private void Free()
    {
        if (Engine.JobEndingKnown)
        {
            // The exchange could never complete; the id stays taken (nothing can prove it quiet).
            Engine.RetireContext(Context);
            return;
        }
        new CollectiveTransport(this).ExchangeWithEveryRank(null, 0, null, 0, CollectiveTags.Free);
        Engine.RetireContext(Context);
        ContextIds.Release(Context);
    }
}
