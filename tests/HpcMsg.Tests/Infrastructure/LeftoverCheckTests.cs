using System.Diagnostics;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>The harness's leftover check would pass vacuously if it could not see a job's processes
/// and segment file; these tests show that it sees them while the job runs.</summary>
[Collection(JobsCollection.Name)]
public sealed class LeftoverCheckTests(ITestOutputHelper log)
{
    [Fact]
    public void A_running_jobs_segment_and_ranks_are_recognised_as_its_own()
    {
        HashSet<string> before = Leftovers.ShmFiles();
        List<string> files = [];
        int ranksSeen = 0;
        JobResult result = JobRunner.Run(new JobSpec(2, "hang") { LauncherTimeoutSeconds = 3 }, log, (launcherPid, marker) =>
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(2.5) && (files.Count == 0 || ranksSeen < 3))
            {
                files = Leftovers.ShmFilesOf(launcherPid, before);
                ranksSeen = Leftovers.Processes(marker).Count;
                Thread.Sleep(50);
            }
        });
        JobAssert.ExitedWith(result, 124);
        Assert.True(files.Count == 1, $"expected one segment file named after hpcrun's pid while the job ran, saw [{string.Join(", ", files)}]\n{result}");
        Assert.True(ranksSeen == 3, $"expected hpcrun and its 2 ranks to carry the job marker, saw {ranksSeen}\n{result}");
    }
}
