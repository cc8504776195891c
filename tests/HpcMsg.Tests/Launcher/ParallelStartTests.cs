using System.Globalization;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Launcher;

/// <summary>
/// hpcrun starts the hosts of a job at once, not one after another: JobRunner.StartRanks only forks each
/// host's launch agent (RankProcess.Start) and never waits for one to connect before starting the next.
/// Here the "hosts" a, b, c are reached through an agent that notes when it started and then takes 3 s to
/// "connect" (a slow ssh) before it runs the rank on this machine: started in parallel, the three start
/// within a moment of each other; started one after another, 3 s apart.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class ParallelStartTests(ITestOutputHelper log)
{
    [Fact]
    public void RemoteHostsAreStartedInParallel()
    {
        string stamps = Path.Combine(Path.GetTempPath(), $"hpcmsg-agent-starts-{Guid.NewGuid():N}");
        try
        {
            string agent = $"sh -c 'date +%s.%N >> {stamps}; sleep 3; shift; exec \"$@\"' agent {{host}}";
            JobResult r = JobRunner.Run(new JobSpec(3, "hostnames")
            {
                LauncherArgs = ["--host", "a:1,b:1,c:1", "--launch-agent", agent, "--iface", "127.0.0.0/8"],
                HardTimeout = TimeSpan.FromSeconds(120),
            }, log);
            JobAssert.Succeeded(r, "hostnames");
            // The first three lines are the ranks' agents (the segment clean-up runs the agent again after).
            double[] starts = [.. File.ReadAllLines(stamps).Take(3).Select(l => double.Parse(l, CultureInfo.InvariantCulture))];
            Assert.Equal(3, starts.Length);
            double spread = starts.Max() - starts.Min();
            log.WriteLine($"the three agents started within {spread:F2} s");
            Assert.True(spread < 1.5, $"the agents started {spread:F2} s apart: hpcrun waited for one host before starting the next\n{r}");
        }
        finally
        {
            File.Delete(stamps);
        }
    }
}
