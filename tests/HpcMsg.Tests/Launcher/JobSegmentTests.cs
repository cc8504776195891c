using HpcMsg.Tests.Infrastructure;
using HpcMsg.Transports.Shm;
using HpcRun;

namespace HpcMsg.Tests.Launcher;

/// <summary>Its segment is named like a real job's, so it runs with the jobs, whose leftover check
/// would otherwise take it for a job's.</summary>
[Collection(JobsCollection.Name)]
public sealed class JobSegmentCreateTests
{
    [Fact]
    public void CreateMakesAFreshSegmentUnderAJobId()
    {
        var (jobId, path) = JobSegment.Create(2);
        try
        {
            Assert.Equal(ShmSegment.PathFor(jobId), path);
            Assert.EndsWith("-" + Environment.ProcessId, jobId, StringComparison.Ordinal);
            using ShmSegment seg = ShmSegment.Open(path);
            Assert.Equal(2, seg.Size);
        }
        finally
        {
            ShmSegment.Remove(path);
        }
    }
}

public sealed class JobSegmentTests
{
    private static string CreateUnitSegment(int np)
    {
        string path = ShmSegment.PathFor("unit-" + Guid.NewGuid().ToString("N"));
        ShmSegment.Create(path, np);
        return path;
    }

    [Fact]
    public void FailureIsRecordedForTheRanks()
    {
        string path = CreateUnitSegment(3);
        try
        {
            JobEnding? ending = JobSegment.MarkRankFailed(path, 2, 7);
            Assert.NotNull(ending);
            Assert.False(ending.IsAbort);
            Assert.Equal(new JobEnding(ShmLayout.JobRankFailed, 2, 7), ending);
        }
        finally
        {
            ShmSegment.Remove(path);
        }
    }

    [Fact]
    public void AnEarlierAbortWinsOverALaterFailure()
    {
        string path = CreateUnitSegment(3);
        try
        {
            using (ShmSegment seg = ShmSegment.Open(path)) seg.MarkJobEnding(ShmLayout.JobAborted, 1, 42);
            JobEnding? ending = JobSegment.MarkRankFailed(path, 0, 1);
            Assert.NotNull(ending);
            Assert.True(ending.IsAbort);
            Assert.Equal(1, ending.Rank);
            Assert.Equal(42, ending.ExitCode);
        }
        finally
        {
            ShmSegment.Remove(path);
        }
    }

    [Fact]
    public void MarkingAMissingSegmentIsHarmless()
    {
        Assert.Null(JobSegment.MarkRankFailed(ShmSegment.PathFor("gone-" + Guid.NewGuid().ToString("N")), 0, 1));
    }
}
