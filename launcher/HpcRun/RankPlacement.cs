namespace HpcRun;

/// <summary>The ranks one host runs: world ranks FirstRank .. FirstRank + RankCount - 1, contiguous.</summary>
internal sealed record NodePlacement(string Host, int Slots, int FirstRank, int RankCount)
{
    public bool Contains(int rank) => rank >= FirstRank && rank < FirstRank + RankCount;
}

/// <summary>
/// Puts ranks on hosts as Open MPI's by-slot mapping does: hosts are filled in order, <c>slots</c> ranks
/// each. With more ranks than slots (allowed with --oversubscribe) the excess is dealt round-robin, one
/// more rank per host per round, never past a host's max_slots, and every host's ranks stay contiguous world ranks, so that a host's
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
            long capacity = CapacityOf(hosts);
            if (np > capacity)
                throw new ArgumentException($"{np} ranks do not fit the hosts' max_slots ({capacity} in all)", nameof(np));
            for (int i = 0; i < hosts.Count; i++) counts[i] = hosts[i].Slots;
            // One more rank per host per round, in order, skipping a host at its max_slots. Whole rounds
            // at once when no host is bounded, so that a large np on few hosts costs no loop per rank.
            bool anyBounded = hosts.Any(h => h.MaxSlots is not null);
            long excess = np - totalSlots;
            while (excess > 0)
            {
                if (!anyBounded && excess >= hosts.Count)
                {
                    int rounds = (int)(excess / hosts.Count);
                    for (int i = 0; i < hosts.Count; i++) counts[i] += rounds;
                    excess -= (long)rounds * hosts.Count;
                    continue;
                }
                for (int i = 0; i < hosts.Count && excess > 0; i++)
                {
                    if (hosts[i].MaxSlots is int max && counts[i] >= max) continue;
                    counts[i]++;
                    excess--;
                }
            }
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

    /// <summary>The most ranks the hosts take even with --oversubscribe: the sum of their max_slots, or
    /// unbounded (<see cref="long.MaxValue"/>) when one of them has none.</summary>
    public static long CapacityOf(IReadOnlyList<HostSpec> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        long capacity = 0;
        foreach (HostSpec h in hosts)
        {
            if (h.MaxSlots is not int max) return long.MaxValue;
            capacity += max;
        }
        return capacity;
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
