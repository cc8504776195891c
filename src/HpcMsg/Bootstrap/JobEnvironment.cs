using System.Globalization;

namespace HpcMsg.Bootstrap;

/// <summary>
/// What hpcrun hands each rank through its environment. Every variable has the HPCMSG_ prefix.
/// A process started without hpcrun has none of them and becomes a job of size 1.
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
        if (size > 1 && string.IsNullOrEmpty(shm))
            throw new HpcMsgException($"{ShmPathVar} is not set for a job of size {size}: start the job with hpcrun");
        int launcherPid = Environment.GetEnvironmentVariable(LauncherPidVar) is null ? 0 : ReadInt(LauncherPidVar, 1, int.MaxValue);
        bool over = Environment.GetEnvironmentVariable(OversubscribedVar) == "1";
        return new JobEnvironment(rank, size, jobId, shm, launcherPid, over);
    }

    private static int ReadInt(string name, int min, int max)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (text is null || !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new HpcMsgException($"environment variable {name}='{text}' is invalid: expected an integer in [{min}, {max}]");
        return v;
    }
}
