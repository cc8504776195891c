using System.Net;
using HpcMsg.Transports.Shm;

namespace HpcRun;

/// <summary>One host of a running job: its ranks, and whether hpcrun starts them itself (this machine)
/// or through the launch agent.</summary>
internal sealed record JobNode(int Index, string Host, bool IsLocal, int FirstRank, int RankCount, bool Oversubscribed)
{
    public bool Contains(int rank) => rank >= FirstRank && rank < FirstRank + RankCount;
}

/// <summary>What ranks of a job on several hosts need to find each other: hpcrun's rendezvous, the job's
/// secret, the address hpcrun's own ranks listen on, and the --iface value for the other hosts.</summary>
internal sealed record NetworkSettings(IPEndPoint Rendezvous, string SecretHex, IPAddress LocalAddress, string? Iface);

/// <summary>
/// A job laid out on its hosts. With one host that is this machine, hpcrun owns the shared segment as it
/// always has (<see cref="LocalSegment"/>); otherwise the job is distributed: each host's local rank 0
/// creates that host's segment, and ranks meet through the rendezvous in <see cref="Network"/>.
/// </summary>
internal sealed record JobPlan(string JobId, IReadOnlyList<JobNode> Nodes, int LauncherPid, string? LocalSegment, NetworkSettings? Network)
{
    public int Size => Nodes.Sum(n => n.RankCount);

    public bool IsDistributed => Network is not null;

    public JobNode NodeOf(int rank) => Nodes.First(n => n.Contains(rank));

    /// <summary>The segment file of <paramref name="node"/>'s ranks; null for a one-rank job on this host.</summary>
    public string? SegmentPath(JobNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return IsDistributed ? NodeSegmentPath(JobId, node.Index) : LocalSegment;
    }

    /// <summary>/dev/shm/hpcmsg-&lt;euid&gt;-&lt;jobid&gt;-n&lt;node&gt;: distinct per host even where hosts share /dev/shm.</summary>
    public static string NodeSegmentPath(string jobId, int node) => $"{ShmSegment.PathFor(jobId)}-n{node}";

    /// <summary>
    /// The job's hosts from the options: the placement when hosts were named, else this machine alone.
    /// A host that is not this machine, or a second host, makes the job distributed.
    /// </summary>
    public static IReadOnlyList<JobNode> NodesFor(LauncherOptions options, HostLocality locality, int localCores)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(locality);
        if (options.Placement is null)
            return [new JobNode(0, Environment.MachineName, true, 0, options.Np, options.IsOversubscribed)];
        var nodes = new List<JobNode>();
        foreach (NodePlacement p in options.Placement)
        {
            // In a Slurm allocation every node's ranks start through the srun step, this one's too (as
            // Hydra does): Slurm then tracks, accounts for and cleans up all of them alike.
            bool local = !options.InSlurmAllocation && locality.IsLocal(p.Host);
            // On this machine the cores are known too: slots beyond them still oversubscribe it.
            int capacity = local ? Math.Min(p.Slots, localCores) : p.Slots;
            nodes.Add(new JobNode(nodes.Count, p.Host, local, p.FirstRank, p.RankCount, p.RankCount > capacity));
        }
        return nodes;
    }

    public static bool NeedsNetwork(IReadOnlyList<JobNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        return nodes.Count > 1 || !nodes[0].IsLocal;
    }
}
