using HpcMsg.Internal;
using HpcMsg.Transports.Shm;

namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// Under a process manager there is no hpcrun to see a rank die, and Slurm lets a step run on when
/// one task is killed (KillOnBadExit=0, the default: srun waits for the others, which would wait for
/// the dead one forever). So every rank of a node with several ranks watches its node's peers through
/// the segment: a peer that joined (its pid published) and is gone without having finalized has
/// died. The watcher then marks the job as failed in the segment (the node's blocked calls throw
/// <see cref="RankFailedException"/>), gives the ranks a moment to report it, and ends the step with
/// a PMI abort. Ranks on other nodes learn it from the step's end, or earlier from their broken
/// connections to this node (the TCP transport fails their calls, and their unhandled exception
/// aborts through PMI as well).
/// </summary>
internal sealed unsafe class LocalPeerWatch : LocalWatch
{
    /// <summary>As hpcrun's: how long the node's ranks have to report the failure before the step ends.</summary>
    private static readonly TimeSpan ReportGrace = TimeSpan.FromSeconds(1);

    private readonly ShmSegment _segment;
    private readonly int _localRank;
    private readonly int _firstWorldRank;
    private readonly Action<int> _abort;

    public LocalPeerWatch(ShmSegment segment, int localRank, int firstWorldRank, Action<int> abort)
        : base("HpcMsg peer watch")
    {
        _segment = segment;
        _localRank = localRank;
        _firstWorldRank = firstWorldRank;
        _abort = abort;
        // A rank that exits during the grace (having reported the failure) must still end the step:
        // its background thread dies with the process, so the exit itself sends the abort.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { if (Volatile.Read(ref _peerDied) != 0) AbortOnce(); };
        Start();
    }

    /// <inheritdoc/>
    protected override bool Look()
    {
        int dead = FindDeadPeer();
        if (dead < 0) return false;
        int world = _firstWorldRank + dead;
        // 137 as a shell reports a SIGKILL: the usual way a task vanishes without a word.
        _segment.MarkJobEnding(ShmLayout.JobRankFailed, world, 137);
        Report($"rank {_firstWorldRank + _localRank}: rank {world} on this node died without finalizing; ending the job");
        // The grace lets this rank report the failure of its blocked call first. The step is ended
        // even when this rank finalizes or exits meanwhile: ranks on other nodes may hold no
        // connection to the dead one (connections open on first use) and would wait forever.
        Volatile.Write(ref _peerDied, 1);
        StoppedWithin(ReportGrace);
        AbortOnce();
        return true;
    }

    private int _peerDied;
    private int _aborted;

    private void AbortOnce()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0) _abort(1);
    }

    private int FindDeadPeer()
    {
        for (int r = 0; r < _segment.Size; r++)
        {
            if (r == _localRank) continue;
            if (Volatile.Read(ref *_segment.Ready(r)) == 0 || Volatile.Read(ref *_segment.Finalized(r)) != 0) continue;
            int pid = Volatile.Read(ref *_segment.Pid(r));
            if (pid > 0 && !Native.ProcessExists(pid) && Volatile.Read(ref *_segment.Finalized(r)) == 0) return r;
        }
        return -1;
    }

    /// <summary>Called by <see cref="LocalWatch.Dispose"/> (before the segment is unmapped): a dead peer
    /// found ends the step even when this rank stops watching within the grace.</summary>
    protected override void OnStopped()
    {
        if (Volatile.Read(ref _peerDied) != 0) AbortOnce();
    }
}
