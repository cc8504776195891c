namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// Which ranks share a node, from every rank's node (its identity, or its node in the process
/// manager's map). Nodes are numbered in the order of their lowest rank. The library keeps the ranks
/// of a node contiguous (local rank 0 of a node is world rank Rank - LocalRank: the shared segment
/// and the engine index local peers that way), which Slurm's default block distribution and Hydra's
/// default fill give; a placement that interleaves nodes (<c>srun -m cyclic</c>, <c>mpiexec -ppn 1</c>
/// over several hosts) is refused with a message, never run with a wrong map.
/// </summary>
internal sealed record NodeLayout(int Node, int Nodes, int LocalRank, int LocalSize)
{
    /// <summary>The first world rank (the leader) of each node, in node order.</summary>
    public int[] FirstRanks { get; init; } = [];

    /// <summary>From every rank's node identity (name/host/boot id), one per rank.</summary>
    public static NodeLayout Of(IReadOnlyList<string> identities, int rank) =>
        Of(identities, rank, identity => identity.Split('/')[0]);

    /// <summary>From every rank's node in <see cref="ProcessMapping"/>'s numbering.</summary>
    public static NodeLayout OfMapping(IReadOnlyList<int> nodeOf, int rank) =>
        Of(nodeOf, rank, node => $"{node} of {ProcessMapping.Key}");

    private static NodeLayout Of<T>(IReadOnlyList<T> nodeOfRank, int rank, Func<T, string> name) where T : notnull
    {
        var nodeOf = new Dictionary<T, int>();
        var firstRank = new List<int>();
        var count = new List<int>();
        for (int r = 0; r < nodeOfRank.Count; r++)
        {
            if (!nodeOf.TryGetValue(nodeOfRank[r], out int node))
            {
                node = nodeOf.Count;
                nodeOf[nodeOfRank[r]] = node;
                firstRank.Add(r);
                count.Add(0);
            }
            else if (!EqualityComparer<T>.Default.Equals(nodeOfRank[r - 1], nodeOfRank[r]))
            {
                throw new HpcMsgException(
                    $"ranks of one node must be consecutive, but rank {r} is on node {name(nodeOfRank[r])} with rank {firstRank[node]} and rank {r - 1} is on {name(nodeOfRank[r - 1])} " +
                    "(a cyclic or arbitrary distribution): use block distribution (srun -m block, the default; mpiexec fills hosts in order by default)");
            }
            count[node]++;
        }
        int mine = nodeOf[nodeOfRank[rank]];
        return new NodeLayout(mine, nodeOf.Count, rank - firstRank[mine], count[mine]) { FirstRanks = [.. firstRank] };
    }
}
