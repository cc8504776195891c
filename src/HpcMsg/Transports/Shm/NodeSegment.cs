using HpcMsg.Bootstrap;

namespace HpcMsg.Transports.Shm;

/// <summary>
/// In a job over several hosts hpcrun cannot create the other hosts' segments, so the rank with local
/// rank 0 creates its host's (named per node, so that hosts sharing a file system never clash) and the
/// others open it once it is initialized (its magic is written last). hpcrun removes them all after
/// the job through the launch agent, whatever happened. Under a process manager (PMI) there is no
/// hpcrun: local rank 0 unlinks the file as soon as every local rank has mapped it (Communicator.Init).
/// </summary>
internal static class NodeSegment
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    public static ShmSegment OpenOrCreate(JobEnvironment job)
    {
        string path = job.ShmPath!;
        if (job.LocalRank == 0) ShmSegment.Create(path, job.LocalSize);
        DateTime deadline = DateTime.UtcNow + WaitLimit;
        while (true)
        {
            try
            {
                return ShmSegment.Open(path);
            }
            catch (Exception e) when (e is IOException or TransportException or ArgumentException or UnauthorizedAccessException)
            {
                if (DateTime.UtcNow > deadline)
                    throw TransportException.Error($"rank {job.Rank}: the segment {path} of host {job.Host} was not created by its first rank within {WaitLimit.TotalSeconds:F0} s: {e.Message}");
                Thread.Sleep(5);
            }
        }
    }
}
