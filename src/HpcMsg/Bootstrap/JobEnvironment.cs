using HpcMsg.Configuration;

namespace HpcMsg.Bootstrap;

/// <summary>
/// What hpcrun hands each rank through its environment. Every variable has the HPCMSG_ prefix and is
/// declared in <see cref="Parameters"/> (marked as set by the launcher), and read through it here.
/// A process started without hpcrun has none of them and becomes a job of size 1. Ranks of one host
/// are contiguous world ranks: LocalRank 0 of a node is world rank Rank - LocalRank.
/// </summary>
internal sealed record JobEnvironment(
    int Rank,
    int Size,
    string JobId,
    string? ShmPath,
    int LauncherPid,
    bool Oversubscribed)
{
    public const string RankVar = Parameters.Names.Rank;
    public const string SizeVar = Parameters.Names.Size;
    public const string JobIdVar = Parameters.Names.JobId;
    public const string ShmPathVar = Parameters.Names.Shm;
    public const string LauncherPidVar = Parameters.Names.LauncherPid;
    public const string OversubscribedVar = Parameters.Names.Oversubscribed;
    public const string LocalRankVar = Parameters.Names.LocalRank;
    public const string LocalSizeVar = Parameters.Names.LocalSize;
    public const string NodeVar = Parameters.Names.Node;
    public const string NodesVar = Parameters.Names.Nodes;
    public const string HostVar = Parameters.Names.Host;
    public const string RendezvousVar = Parameters.Names.Rendezvous;
    public const string SecretVar = Parameters.Names.Secret;
    public const string SecretStdinVar = Parameters.Names.SecretStdin;
    public const string IfaceVar = Parameters.Names.Iface;
    public const string IfaceAddressVar = Parameters.Names.IfaceAddress;

    public int LocalRank { get; init; }
    public int LocalSize { get; init; } = 1;
    public int Node { get; init; }
    public int Nodes { get; init; } = 1;

    /// <summary>The first world rank of each node, in node order, when the job knows them (PMI: from
    /// the node layout); empty otherwise. The node leaders' liveness ring runs over them.</summary>
    public int[] NodeLeaders { get; init; } = [];
    public string Host { get; init; } = Environment.MachineName;
    public string? Rendezvous { get; init; }
    public string? Iface { get; init; }

    /// <summary>The address to listen on, when hpcrun knows it (ranks it starts itself).</summary>
    public string? IfaceAddress { get; init; }

    /// <summary>The job's secret (multi-host jobs); read from the environment or stdin, never argv.</summary>
    public byte[]? Secret { get; init; }

    /// <summary>The job bootstraps through hpcrun's rendezvous (hpcrun started ranks through a launch
    /// agent): local rank 0 creates this host's segment and the TCP mesh is built, even for one host.</summary>
    public bool MultiNode => Rendezvous is not null;
    public int FirstLocalWorldRank => Rank - LocalRank;

    public static JobEnvironment Singleton() =>
        new(0, 1, $"single-{Environment.ProcessId}", null, 0, false);

    /// <summary>Reads the launcher's variables; throws a message naming the variable when one is malformed.</summary>
    public static JobEnvironment FromEnvironment()
    {
        // Unset (not merely empty) HPCMSG_RANK: a process started without hpcrun.
        if (!Parameters.Rank.IsPresent()) return Singleton();
        int size = Required(Parameters.Size, 1, int.MaxValue);
        int rank = Required(Parameters.Rank, 0, size - 1);
        string jobId = Parameters.JobId.Read()
            ?? throw new HpcMsgException($"{JobIdVar} is not set although {RankVar} is: start the job with hpcrun");
        string? shm = Parameters.Shm.Read();
        int launcherPid = (int)Parameters.LauncherPid.ReadWithin(0, 1, int.MaxValue);
        bool over = Parameters.Oversubscribed.Read();
        int nodes = (int)Parameters.Nodes.ReadWithin(1, 1, size);
        int localSize = (int)Parameters.LocalSize.ReadWithin(nodes == 1 ? size : 1, 1, size);
        int localRank = (int)Parameters.LocalRank.ReadWithin(nodes == 1 ? rank : 0, 0, localSize - 1);
        int node = (int)Parameters.Node.ReadWithin(0, 0, nodes - 1);
        if (localSize > 1 && shm is null)
            throw new HpcMsgException($"{ShmPathVar} is not set for a node of {localSize} ranks: start the job with hpcrun");
        string? rendezvous = Parameters.Rendezvous.Read();
        byte[]? secret = null;
        if (nodes > 1 && rendezvous is null)
            throw new HpcMsgException($"{RendezvousVar} is not set for a job over {nodes} hosts: start the job with hpcrun");
        if (rendezvous is not null) secret = ReadSecret();
        return new JobEnvironment(rank, size, jobId, shm, launcherPid, over)
        {
            LocalRank = localRank,
            LocalSize = localSize,
            Node = node,
            Nodes = nodes,
            Host = Parameters.Host.Read() ?? Environment.MachineName,
            Rendezvous = rendezvous,
            Iface = Parameters.Iface.Read(),
            IfaceAddress = Parameters.IfaceAddress.Read(),
            Secret = secret,
        };
    }

    /// <summary>From HPCMSG_SECRET, or, for ranks started through a launch agent, the first line of stdin.</summary>
    private static byte[] ReadSecret()
    {
        string? text = Parameters.Secret.Read();
        if (text is null && Parameters.SecretStdin.Read())
            text = ReadFirstStdinLine();
        if (string.IsNullOrEmpty(text))
            throw new HpcMsgException($"the job secret was not passed ({SecretVar} or {SecretStdinVar}=1 with the secret on stdin): start the job with hpcrun");
        return JobSecret.FromText(text);
    }

    /// <summary>Reads byte by byte up to the newline, so that nothing after it is taken from the app's stdin.</summary>
    private static string ReadFirstStdinLine()
    {
        using Stream stdin = Console.OpenStandardInput();
        var chars = new System.Text.StringBuilder(64);
        int b;
        while ((b = stdin.ReadByte()) >= 0 && b != '\n')
        {
            if (chars.Length > 256) throw new HpcMsgException("the job secret line on stdin is too long");
            chars.Append((char)b);
        }
        return chars.ToString().Trim();
    }

    /// <summary>A launcher variable that must be set, within bounds that depend on the job.</summary>
    private static int Required(IntegerParameter parameter, int min, int max)
    {
        if (parameter.RawValue() is null)
            throw new HpcMsgException($"environment variable {parameter.Name}='' is invalid: expected an integer in [{min}, {max}]");
        return (int)parameter.ReadWithin(0, min, max);
    }
}
