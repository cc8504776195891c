namespace HpcRun;

/// <summary>What the job runner needs of one rank: a process it started (<see cref="RankProcess"/>) or a
/// rank that a node agent of the Slurm step started and reports on (<see cref="SlurmStep"/>).</summary>
internal interface IRankProcess : IDisposable
{
    RankLaunch Launch { get; }

    int Rank { get; }

    string Host { get; }

    bool HasExited { get; }

    int ExitCode { get; }

    /// <summary>Completes once the rank's output has all been passed on.</summary>
    Task OutputDrained { get; }

    /// <summary>Asks the rank to end (SIGTERM).</summary>
    void Terminate();

    /// <summary>Ends the rank at once (SIGKILL).</summary>
    void Kill();

    bool WaitForExit(TimeSpan timeout);
}
