namespace HpcMsg;

/// <summary>Making new communicators.</summary>
public sealed partial class Communicator
{
    /// <summary>Same group, separate message space: traffic on the copy never matches the original.
    /// Collective over this communicator.</summary>
    public Communicator Dup()
    {
        ThrowIfDisposed();
        int context = AllreduceMaxInternal(ContextIds.NextFree);
        ContextIds.MarkUsed(context);
        return new Communicator(Engine, context, Rank, Size, _worldRanks is null ? null : WorldRanksCopy(), null, isWorld: false);
    }
}
