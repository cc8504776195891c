using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Collectives;

/// <summary>The barrier's one guarantee, checked on the host's clock: nobody leaves before everybody
/// has entered (scenario "barrier"), with ranks late in turn; by default (the node's gather/release
/// barrier) and with each algorithm forced.</summary>
[Collection(JobsCollection.Name)]
public sealed class BarrierTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(8)]
    public void No_rank_leaves_a_barrier_before_every_rank_has_entered_it(int np) =>
        ScenarioJob.Passes(log, np, "barrier");

    [Theory]
    [InlineData(3, "shared_dissemination")]
    [InlineData(4, "shared_dissemination")]
    [InlineData(5, "shared_dissemination")]
    [InlineData(8, "shared_dissemination")]
    [InlineData(2, "shared_dissemination")]
    [InlineData(3, "dissemination")]
    public void No_rank_leaves_a_barrier_of_a_forced_algorithm_before_every_rank_has_entered_it(int np, string algorithm) =>
        ScenarioJob.Passes(log, new JobSpec(np, "barrier") { LauncherArgs = ["-x", $"HPCMSG_COLL_BARRIER={algorithm}"] });

    /// <summary>Every wait sleeps on the futex at once: a release or an arrival whose wake-up is lost
    /// costs the one-second futex timeout, and 300 barriers would run past the time limit.</summary>
    [Theory]
    [InlineData(2, null)]
    [InlineData(4, null)]
    [InlineData(2, "shared_dissemination")]
    [InlineData(4, "shared_dissemination")]
    public void Barriers_hold_and_wake_when_every_wait_sleeps(int np, string? algorithm) =>
        ScenarioJob.Passes(log, new JobSpec(np, "barrier", "300")
        {
            LauncherArgs = ["-x", "HPCMSG_SPIN_US=0", "-x", "HPCMSG_YIELDS=0", "-x", "HPCMSG_SLEEP_US=1000000",
                .. algorithm is null ? [] : new[] { "-x", $"HPCMSG_COLL_BARRIER={algorithm}" }],
            HardTimeout = TimeSpan.FromSeconds(90),
            LauncherTimeoutSeconds = 80,
        });
}
