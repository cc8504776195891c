using System.Globalization;

namespace HpcMsg.Bootstrap;

/// <summary>
/// What hpcrun hands each rank through its environment. Every variable has the HPCMSG_ prefix.
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
    public const string RankVar = "HPCMSG_RANK";
    public const string SizeVar = "HPCMSG_SIZE";
    public const string JobIdVar = "HPCMSG_JOB_ID";
    public const string ShmPathVar = "HPCMSG_SHM";
    public const string LauncherPidVar = "HPCMSG_LAUNCHER_PID";
    public const string OversubscribedVar = "HPCMSG_OVERSUBSCRIBED";
    public const string LocalRankVar = "HPCMSG_LOCAL_RANK";
    public const string LocalSizeVar = "HPCMSG_LOCAL_SIZE";
    public const string NodeVar = "HPCMSG_NODE";
    public const string NodesVar = "HPCMSG_NODES";
    public const string HostVar = "HPCMSG_HOST";
    public const string RendezvousVar = "HPCMSG_RENDEZVOUS";
    public const string SecretVar = "HPCMSG_SECRET";
    public const string SecretStdinVar = "HPCMSG_SECRET_STDIN";
    public const string IfaceVar = "HPCMSG_IFACE";
    public const string IfaceAddressVar = "HPCMSG_IFACE_ADDR";

    public int LocalRank { get; init; }
    public int LocalSize { get; init; } = 1;
    public int Node { get; init; }
    public int Nodes { get; init; } = 1;
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
        string? rankText = Environment.GetEnvironmentVariable(RankVar);
        if (rankText is null) return Singleton();
        int size = ReadInt(SizeVar, 1, int.MaxValue);
        int rank = ReadInt(RankVar, 0, size - 1);
        string jobId = Environment.GetEnvironmentVariable(JobIdVar)
            ?? throw new HpcMsgException($"{JobIdVar} is not set although {RankVar} is: start the job with hpcrun");
        string? shm = Environment.GetEnvironmentVariable(ShmPathVar);
        int launcherPid = Environment.GetEnvironmentVariable(LauncherPidVar) is null ? 0 : ReadInt(LauncherPidVar, 1, int.MaxValue);
        bool over = Environment.GetEnvironmentVariable(OversubscribedVar) == "1";
        int nodes = ReadOptionalInt(NodesVar, 1, 1, size);
        int localSize = ReadOptionalInt(LocalSizeVar, nodes == 1 ? size : 1, 1, size);
        int localRank = ReadOptionalInt(LocalRankVar, nodes == 1 ? rank : 0, 0, localSize - 1);
        int node = ReadOptionalInt(NodeVar, 0, 0, nodes - 1);
        if (localSize > 1 && string.IsNullOrEmpty(shm))
            throw new HpcMsgException($"{ShmPathVar} is not set for a node of {localSize} ranks: start the job with hpcrun");
        string? rendezvous = Environment.GetEnvironmentVariable(RendezvousVar);
        byte[]? secret = null;
        if (nodes > 1 && string.IsNullOrEmpty(rendezvous))
            throw new HpcMsgException($"{RendezvousVar} is not set for a job over {nodes} hosts: start the job with hpcrun");
        if (string.IsNullOrEmpty(rendezvous)) rendezvous = null;
        else secret = ReadSecret();
        return new JobEnvironment(rank, size, jobId, shm, launcherPid, over)
        {
            LocalRank = localRank,
            LocalSize = localSize,
            Node = node,
            Nodes = nodes,
            Host = Environment.GetEnvironmentVariable(HostVar) ?? Environment.MachineName,
            Rendezvous = rendezvous,
            Iface = Environment.GetEnvironmentVariable(IfaceVar),
            IfaceAddress = Environment.GetEnvironmentVariable(IfaceAddressVar),
            Secret = secret,
        };
    }

    /// <summary>From HPCMSG_SECRET, or, for ranks started through a launch agent, the first line of stdin.</summary>
    private static byte[] ReadSecret()
    {
        string? text = Environment.GetEnvironmentVariable(SecretVar);
        if (string.IsNullOrEmpty(text) && Environment.GetEnvironmentVariable(SecretStdinVar) == "1")
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

    private static int ReadInt(string name, int min, int max)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (text is null || !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new HpcMsgException($"environment variable {name}='{text}' is invalid: expected an integer in [{min}, {max}]");
        return v;
    }

    private static int ReadOptionalInt(string name, int fallback, int min, int max) =>
        Environment.GetEnvironmentVariable(name) is null ? fallback : ReadInt(name, min, max);
}
