namespace HpcRun;

/// <summary>Words for a rank's exit code, for the one line hpcrun prints when a rank fails.</summary>
internal static class ExitStatus
{
    // .NET reports a child killed by signal N as exit code 128 + N; 159 covers the classic signals (1..31).
    private const int FirstSignalCode = ExitCodes.SignalBase + 1;
    private const int LastSignalCode = ExitCodes.SignalBase + 31;

    public static bool IsSignal(int exitCode) => exitCode is >= FirstSignalCode and <= LastSignalCode;

    /// <summary>"exited with code 3" or "was killed by signal 9 (SIGKILL)".</summary>
    public static string Describe(int exitCode)
    {
        if (!IsSignal(exitCode)) return $"exited with code {exitCode}";
        int signal = exitCode - ExitCodes.SignalBase;
        string? name = SignalName(signal);
        return name is null ? $"was killed by signal {signal}" : $"was killed by signal {signal} ({name})";
    }

    public static string? SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        31 => "SIGSYS",
        _ => null,
    };
}
