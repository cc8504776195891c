using System.Globalization;
using System.Net.Sockets;
using HpcMsg.Internal;

namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// Joins a job that a process manager started (srun --mpi=pmi2, mpiexec.mpich): speaks PMI over the
/// inherited PMI_FD (or PMIx through libpmix: srun --mpi=pmix, Open MPI's mpirun), and derives through its key-value space what hpcrun would have put in the
/// environment: which ranks share this node (local rank, local size, node index), the node's segment
/// name, and the job secret.
/// <para>The job secret: rank 0 draws it and puts it in the KVS before the first fence; every other
/// rank reads it after. Only the step's tasks can read the KVS (they reach the PMI server through a
/// socket their slurmstepd or Hydra proxy handed them at exec, PMI_FD), and nothing carries it on a
/// command line or in the environment, so a stranger on the network cannot learn it, and every TCP
/// connection of the job proves it (JobAuth) before anything it sends is read.</para>
/// <para>Node identity is the node's name (SLURMD_NODENAME under Slurm, else the host name) and the
/// kernel's boot id: /dev/shm alone is no proof of a node (network namespaces share it).</para>
/// </summary>
internal static class PmiJob
{
    private const string NodeKeyPrefix = "hpcmsg-node-";
    private const string SecretKey = "hpcmsg-secret";
    private const string MapWrongKey = "hpcmsg-map-wrong";

    /// <summary>Connects to the PMI server of <paramref name="kind"/> from the environment; every reply
    /// is awaited as <paramref name="wait"/> says.</summary>
    public static IPmiClient Connect(LaunchKind kind, PmiWait wait)
    {
        if (kind == LaunchKind.Pmix)
        {
            try
            {
                return Pmix.PmixClient.Connect();
            }
            catch (HpcMsgException e)
            {
                throw new HpcMsgException($"rank {Environment.GetEnvironmentVariable("PMIX_RANK")}: this process was started by a PMIx launcher (srun --mpi=pmix, or Open MPI's mpirun/prterun; PMIX_NAMESPACE={Environment.GetEnvironmentVariable("PMIX_NAMESPACE")}), and cannot join its job: {e.Message}", e);
            }
        }
        int fd = ReadInt("PMI_FD", 0);
        int rank = ReadInt("PMI_RANK", 0);
        int size = ReadInt("PMI_SIZE", 1);
        if (rank >= size) throw new HpcMsgException($"PMI_RANK={rank} is not below PMI_SIZE={size}");
        Stream stream;
        try
        {
            var socket = new Socket(new SafeSocketHandle((nint)fd, ownsHandle: true));
            stream = new NetworkStream(socket, ownsSocket: true);
        }
        catch (Exception e) when (e is SocketException or ArgumentException or IOException)
        {
            throw new HpcMsgException($"PMI_FD={fd} is not a socket this process can use ({e.Message}): was it started by srun --mpi=pmi2 or mpiexec.mpich?", e);
        }
        try
        {
            return kind == LaunchKind.Pmi2
                ? new Pmi2Client(stream, rank, Environment.GetEnvironmentVariable("PMI_JOBID")!, wait)
                : new Pmi1Client(stream, rank, size, wait);
        }
        catch (HpcMsgException e)
        {
            throw new HpcMsgException($"rank {rank}: cannot join the job through {(kind == LaunchKind.Pmi2 ? "PMI-2" : "PMI-1")} on PMI_FD={fd}: {e.Message}", e);
        }
    }

    /// <summary>Publishes this rank's node and (rank 0) the secret, fences, and derives the job's
    /// layout: from the process manager's node map when it gives one (a constant number of requests
    /// per rank), else from every rank's published node (one get per rank: n² at the server). Fails,
    /// on every rank alike, when a node's ranks are not contiguous world ranks.</summary>
    public static JobEnvironment Join(IPmiClient pmi, string nodeIdentity)
    {
        int rank = pmi.Rank, size = pmi.Size;
        // Published even when the map will do: the fallback needs it, and the ranks check the map
        // with it. One put per rank.
        pmi.Put(NodeKeyPrefix + Text(rank), PmiWire.Encode(nodeIdentity));
        byte[] secret = rank == 0 ? JobSecret.Create() : [];
        if (rank == 0) pmi.Put(SecretKey, JobSecret.ToText(secret));
        pmi.Fence();
        if (rank != 0)
            secret = JobSecret.FromText(pmi.Get(SecretKey, 0) ?? throw new HpcMsgException($"rank {rank}: rank 0 published no job secret ({pmi.Protocol} key {SecretKey} is missing)"));
        // The same value on every rank, so every rank takes the same path.
        int[]? nodeOf = ProcessMapping.NodesOf(pmi.ProcessMapping(), size);
        if (nodeOf is not null && !MappingAgrees(pmi, nodeOf, nodeIdentity)) nodeOf = null;
        NodeLayout layout = nodeOf is not null ? NodeLayout.OfMapping(nodeOf, rank) : NodeLayout.Of(NodeIdentities(pmi, nodeIdentity), rank);
        string jobId = $"pmi-{SafeName(pmi.JobId)}";
        return new JobEnvironment(rank, size, jobId, layout.LocalSize > 1 ? Transports.Shm.ShmSegment.PathFor($"{jobId}-n{layout.Node}") : null, 0, Oversubscribed(layout.LocalSize))
        {
            LocalRank = layout.LocalRank,
            LocalSize = layout.LocalSize,
            Node = layout.Node,
            Nodes = layout.Nodes,
            NodeLeaders = layout.FirstRanks,
            Host = NodeName(),
            Iface = Configuration.Parameters.Iface.Read(),
            IfaceAddress = Configuration.Parameters.IfaceAddress.Read(),
            Secret = secret,
        };
    }

    /// <summary>
    /// Whether the map agrees with where the ranks run, decided alike on every rank: each rank compares
    /// its node identity with the previous rank's (one get), and the map must put the two on one node
    /// exactly when the identities are equal. A rank that finds a disagreement says so under one key;
    /// after a fence every rank reads that key (one get) and all fall back together. Slurm's map of an
    /// arbitrary distribution (<c>srun -m arbitrary</c>) is one node per rank whatever the placement,
    /// which this catches; a map that merged two machines would have their ranks wait for one segment.
    /// </summary>
    private static bool MappingAgrees(IPmiClient pmi, int[] nodeOf, string nodeIdentity)
    {
        int rank = pmi.Rank;
        if (rank > 0)
        {
            string key = NodeKeyPrefix + Text(rank - 1);
            string previous = PmiWire.Decode(pmi.Get(key, rank - 1) ?? throw new HpcMsgException($"rank {rank}: rank {rank - 1} published no node ({pmi.Protocol} key {key} is missing)"), key);
            if ((nodeOf[rank] == nodeOf[rank - 1]) != (previous == nodeIdentity))
            {
                // Several ranks may say so under the one key (Slurm and Hydra keep one value); a server
                // that refused the second put has the first.
                try { pmi.Put(MapWrongKey, Text(rank)); }
                catch (HpcMsgException) { }
            }
        }
        pmi.Fence();
        return pmi.Get(MapWrongKey, IPmiClient.AnyRank) is null;
    }

    /// <summary>Every rank's node identity from the KVS: one get per rank (the path without a map).</summary>
    private static string[] NodeIdentities(IPmiClient pmi, string nodeIdentity)
    {
        var identities = new string[pmi.Size];
        for (int r = 0; r < identities.Length; r++)
        {
            string key = NodeKeyPrefix + Text(r);
            identities[r] = r == pmi.Rank ? nodeIdentity : PmiWire.Decode(pmi.Get(key, r) ?? throw new HpcMsgException($"rank {pmi.Rank}: rank {r} published no node ({pmi.Protocol} key {key} is missing)"), key);
        }
        return identities;
    }

    /// <summary>This node's name for messages and its identity for grouping ranks.</summary>
    public static string NodeName() => Environment.GetEnvironmentVariable("SLURMD_NODENAME") is { Length: > 0 } n ? n : Environment.MachineName;

    public static string NodeIdentity()
    {
        string boot = "";
        try { boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return $"{NodeName()}/{Environment.MachineName}/{boot}";
    }

    /// <summary>More ranks on this node than CPUs it gives us: ranks then yield instead of spinning.</summary>
    private static bool Oversubscribed(int localSize) => localSize > Environment.ProcessorCount;

    /// <summary>The job id in a file name: letters, digits, '.', '-', '_' only.</summary>
    private static string SafeName(string id)
    {
        var b = new System.Text.StringBuilder(id.Length);
        foreach (char c in id) b.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        return b.ToString();
    }

    private static string Text(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static int ReadInt(string name, int min)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min)
            throw new HpcMsgException($"environment variable {name}='{text}' is invalid: expected an integer of at least {min}");
        return v;
    }
}
