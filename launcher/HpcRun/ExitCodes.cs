namespace HpcRun;

/// <summary>hpcrun's own exit codes; a failing job exits with its first failing rank's code instead.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The launcher could not do its part (build, start, shared segment).</summary>
    public const int LauncherFailure = 1;

    /// <summary>A rank exited with code 0 after Init but without finalizing: its peers could not finish.</summary>
    public const int ExitedWithoutFinalize = 1;

    /// <summary>The command line was wrong: nothing was started.</summary>
    public const int Usage = 2;

    /// <summary>As timeout(1) does, so scripts can tell a time-out from a failing rank.</summary>
    public const int TimedOut = 124;

    /// <summary>Shells report a process ended by signal N as 128 + N.</summary>
    public const int SignalBase = 128;
}
