using HpcMsg.Transports.Shm;

namespace HpcRun;

/// <summary>Who ended the job, as the shared segment records it.</summary>
internal sealed record JobEnding(int State, int Rank, int ExitCode)
{
    public bool IsAbort => State == ShmLayout.JobAborted;
}

/// <summary>hpcrun's side of the node's shared segment: create it, flag a failure in it, remove it.</summary>
internal static class JobSegment
{
    /// <summary>Creates the segment under a fresh job id. A file left by an earlier job is never reused nor
    /// removed (it may belong to a live job); the pid in the id keeps two live launchers apart.</summary>
    public static (string JobId, string Path) Create(int np)
    {
        while (true)
        {
            string jobId = JobIdentity.NewId();
            string path = ShmSegment.PathFor(jobId);
            if (File.Exists(path)) continue;
            try
            {
                ShmSegment.Create(path, np);
                return (jobId, path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                ShmSegment.Remove(path);
                throw new LauncherException($"cannot create the shared segment {path}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Records that <paramref name="rank"/> failed, waking ranks blocked in the library so that they throw
    /// instead of waiting for a peer that is gone, and returns what the segment now says: if a rank called
    /// Abort first, that abort is the job's real cause and its code is the job's exit code.
    /// </summary>
    public static JobEnding? MarkRankFailed(string path, int rank, int exitCode)
    {
        try
        {
            using ShmSegment seg = ShmSegment.Open(path);
            seg.MarkJobEnding(ShmLayout.JobRankFailed, rank, exitCode);
            unsafe
            {
                return new JobEnding(seg.ReadJobState(), Volatile.Read(ref *seg.FailedRank),
                    Volatile.Read(ref *seg.ExitCode));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HpcMsg.Transports.TransportException)
        {
            return null;
        }
    }
}
