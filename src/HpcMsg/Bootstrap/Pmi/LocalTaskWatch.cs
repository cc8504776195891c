namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// Watches this node's other tasks (<see cref="NodeTasks"/>) while Init runs under a process manager,
/// before the node's segment exists and <see cref="LocalPeerWatch"/> can take over. A task that dies
/// before its fence (or never calls Init) would leave every other rank in that fence: Slurm ends a step
/// for a dead task only with <c>--kill-on-bad-exit</c>, and Hydra only once the task has spoken PMI.
/// When one is gone the watch says so on stderr and stops the rank's PMI wait (<see cref="PmiWait.Stop"/>),
/// so that Init fails with that reason, cleans up and ends the job through PMI. Where Init is blocked
/// elsewhere and has not failed within <see cref="AbortGrace"/>, the watch ends the job itself.
/// </summary>
internal sealed class LocalTaskWatch : LocalWatch
{
    /// <summary>How long Init has to fail by itself (and clean up) before the watch aborts the job.</summary>
    public static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(2);

    private readonly NodeTasks _tasks;
    private readonly PmiWait _wait;
    private readonly int _rank;
    private readonly Action<int> _abort;

    public LocalTaskWatch(NodeTasks tasks, PmiWait wait, int rank, Action<int> abort)
        : base("HpcMsg task watch")
    {
        _tasks = tasks;
        _wait = wait;
        _rank = rank;
        _abort = abort;
        Start();
    }

    /// <summary>Null where this node's tasks cannot be watched (<see cref="NodeTasks.OfThisNode"/>).</summary>
    public static LocalTaskWatch? Start(PmiWait wait, int rank, Action<int> abort) =>
        NodeTasks.OfThisNode(Environment.GetEnvironmentVariable) is { } tasks ? new LocalTaskWatch(tasks, wait, rank, abort) : null;

    /// <summary>What the watch found, once it found it.</summary>
    public string? Failure { get; private set; }

    /// <summary>The code to end the job with once <see cref="Failure"/> is set: the gone task's own
    /// (<see cref="NodeTasks.ExitCode"/>, which Hydra's mpiexec then exits with), else 1.</summary>
    public int AbortCode => _tasks.ExitCode ?? 1;

    /// <inheritdoc/>
    protected override bool Look()
    {
        string? gone;
        try { gone = _tasks.Check(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        if (gone is null) return false;
        string reason = $"rank {_rank}: {gone}; Init cannot complete, so this rank ends the job";
        Failure = reason;
        Report(reason);
        _wait.Stop(reason);
        // Dispose (Init has completed, or has failed and ended the job itself) ends the grace without an abort.
        if (!StoppedWithin(AbortGrace)) _abort(AbortCode);
        return true;
    }
}
