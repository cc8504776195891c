namespace HpcRun;

/// <summary>The ranks one host runs: world ranks FirstRank .. FirstRank + RankCount - 1, contiguous.</summary>
internal sealed record NodePlacement(string Host, int Slots, int FirstRank, int RankCount)
{
    public bool Contains(int rank) => rank >= FirstRank && rank < FirstRank + RankCount;
}

/// <summary>
/// Puts ranks on hosts as Open MPI's by-slot mapping does: hosts are filled in order, <c>slots</c> ranks
/// each. With more ranks than slots (allowed with --oversubscribe) the excess is dealt round-robin, one
/// more rank per host per round, and every host's ranks stay contiguous world ranks, so that a host's
/// local ranks are a block. Hosts left without a rank are not part of the job.
/// </summary>
internal static class RankPlacement
{
    public static IReadOnlyList<NodePlacement> Place(IReadOnlyList<HostSpec> hosts, int np)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        if (hosts.Count == 0) throw new ArgumentException("at least one host is needed", nameof(hosts));
        ArgumentOutOfRangeException.ThrowIfLessThan(np, 1);
        long totalSlots = hosts.Sum(h => (long)h.Slots);
        var counts = new int[hosts.Count];
        if (np <= totalSlots)
        {
            int left = np;
            for (int i = 0; i < hosts.Count && left > 0; i++)
            {
                counts[i] = Math.Min(hosts[i].Slots, left);
                left -= counts[i];
            }
        }
        else
        {
            long excess = np - totalSlots;
            for (int i = 0; i < hosts.Count; i++)
                counts[i] = hosts[i].Slots + (int)(excess / hosts.Count) + (i < excess % hosts.Count ? 1 : 0);
        }

        var nodes = new List<NodePlacement>();
        int first = 0;
        for (int i = 0; i < hosts.Count; i++)
        {
            if (counts[i] == 0) continue;
            nodes.Add(new NodePlacement(hosts[i].Name, hosts[i].Slots, first, counts[i]));
            first += counts[i];
        }
        return nodes;
    }

    /// <summary>"ranks 0-1 on hpcA, 2-3 on hpcB", the line hpcrun prints for a job on several hosts.</summary>
    public static string Describe(IReadOnlyList<NodePlacement> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        IEnumerable<string> parts = nodes.Select(n => n.RankCount == 1
            ? $"{n.FirstRank} on {n.Host}"
            : $"{n.FirstRank}-{n.FirstRank + n.RankCount - 1} on {n.Host}");
        string word = nodes.Sum(n => n.RankCount) == 1 ? "rank" : "ranks";
        return $"{word} {string.Join(", ", parts)}";
    }
}
