namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// Which ranks share a node, from every rank's node identity. Nodes are numbered in the order of
/// their lowest rank. The library keeps the ranks of a node contiguous (local rank 0 of a node is
/// world rank Rank - LocalRank: the shared segment and the engine index local peers that way), which
/// Slurm's default block distribution and Hydra's default fill give; a placement that interleaves
/// nodes (<c>srun -m cyclic</c>, <c>mpiexec -ppn 1</c> over several hosts) is refused with a message,
/// never run with a wrong map.
/// </summary>
internal sealed record NodeLayout(int Node, int Nodes, int LocalRank, int LocalSize)
{
    public static NodeLayout Of(IReadOnlyList<string> identities, int rank)
    {
        var nodeOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var firstRank = new List<int>();
        var count = new List<int>();
        for (int r = 0; r < identities.Count; r++)
        {
            if (!nodeOf.TryGetValue(identities[r], out int node))
            {
                node = nodeOf.Count;
                nodeOf[identities[r]] = node;
                firstRank.Add(r);
                count.Add(0);
            }
            else if (identities[r - 1] != identities[r])
            {
                throw new HpcMsgException(
                    $"ranks of one node must be consecutive, but rank {r} is on node {Name(identities[r])} with rank {firstRank[node]} and rank {r - 1} is on {Name(identities[r - 1])} " +
                    "(a cyclic or arbitrary distribution): use block distribution (srun -m block, the default; mpiexec fills hosts in order by default)");
            }
            count[node]++;
        }
        int mine = nodeOf[identities[rank]];
        return new NodeLayout(mine, nodeOf.Count, rank - firstRank[mine], count[mine]);
    }

    private static string Name(string identity) => identity.Split('/')[0];
}
