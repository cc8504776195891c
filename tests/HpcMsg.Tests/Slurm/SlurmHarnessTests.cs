using System.Diagnostics;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Slurm;

/// <summary>The harness itself: the cluster from .ci/slurm-up places a step on every node (each with its own
/// hostname), and a job past its limit is cancelled through Slurm with nothing left behind; on either
/// cluster of .ci/run (one node, and three).</summary>
[Collection(JobsCollection.Name)]
public sealed class SlurmHarnessTests(ITestOutputHelper log)
{
    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void A_step_over_every_node_runs_one_task_per_node_with_the_nodes_hostname()
    {
        int nodes = NodeCount();
        JobResult r = SlurmCommand.Run("srun", ["-N", $"{nodes}", "-n", $"{nodes}", "--overcommit", "hostname"], TimeSpan.FromSeconds(60), log);
        Assert.True(r.ExitCode == 0, r.ToString());
        string[] names = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(names.Length == nodes && names.Distinct().Count() == nodes, $"expected {nodes} distinct hostnames\n{r}");
    }

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void A_job_past_its_limit_is_cancelled_and_leaves_nothing()
    {
        string? marker = null;
        var clock = Stopwatch.StartNew();
        Exception failure = Assert.ThrowsAny<Exception>(() => SlurmCommand.Run("srun", ["-n", "2", "--overcommit", "sleep", "300"],
            TimeSpan.FromSeconds(4), log, whileRunning: (_, m) => marker = m));
        Assert.Contains("did not finish within 4 s", failure.Message);
        Assert.DoesNotContain("still", failure.Message); // cancelled in time: nothing was left running or queued
        Assert.NotNull(marker);
        Assert.Empty(Leftovers.Processes(marker!));
        Assert.Equal(string.Empty, SlurmCommand.QueuedJobs(marker!));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"cancelling took {clock.Elapsed.TotalSeconds:F1} s");
    }

    internal static int NodeCount()
    {
        var r = SlurmCommand.Client("sinfo", ["-h", "-N", "-o", "%N"], TimeSpan.FromSeconds(15));
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct().Count();
    }
}
