namespace HpcMsg.Collectives;

/// <summary>Tags inside the collective context, one per collective, so that a trace tells them apart.
/// Consecutive collectives may reuse a tag: every receive names its source, and messages between two
/// ranks do not overtake each other.</summary>
internal static class CollectiveTags
{
    public const int Barrier = 0; // rounds use Barrier + round
    public const int Bcast = 100;
    public const int Reduce = 200;
    public const int Allreduce = 300;
    public const int Allgather = 400;
    public const int Gather = 500;
    public const int Scatter = 600;
    public const int Alltoall = 700;
    public const int Scan = 800;
    public const int Split = 900;
    public const int AgreeContext = 1000;
    public const int Free = 1100;
}
