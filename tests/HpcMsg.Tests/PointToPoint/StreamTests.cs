using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>Windows of ISends and IRecvs of random sizes, both directions at once, keep order and
/// content (scenario "stream"): ring records of every size wrap at every offset.</summary>
[Collection(JobsCollection.Name)]
public sealed class StreamTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Random_sizes_in_windows_arrive_in_order_and_intact(int np) => ScenarioJob.Passes(log, np, "stream");

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_sizes_in_windows_larger_than_the_ring_arrive_in_order_through_the_ring_pipeline(int np) =>
        ScenarioJob.Passes(log, new JobSpec(np, "stream", "5000", "200") { LauncherArgs = ScenarioJob.WithoutCrossMemoryAttach });

    /// <summary>Every wait goes straight to the futex (no polling, no yielding), so every message is
    /// a sleep, a membarrier and a wake-up, and a sleep lasts up to a second unless a peer wakes it:
    /// a handshake between WakeIfSleeping and Sleep that missed its wake-ups as a rule would cost a
    /// second each and run past the time limit. (The race it guards is a window of a few stores; a
    /// test cannot provoke it at will, and a single miss would cost a second, not fail.)</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Messages_arrive_when_every_wait_sleeps_at_once(int np) =>
        ScenarioJob.Passes(log, new JobSpec(np, "stream", "600", "1")
        {
            LauncherArgs = ["-x", "HPCMSG_SPIN_US=0", "-x", "HPCMSG_YIELDS=0", "-x", "HPCMSG_SLEEP_US=1000000"],
            HardTimeout = TimeSpan.FromSeconds(90),
            LauncherTimeoutSeconds = 80,
        });

    [Fact]
    public void Random_sizes_arrive_in_order_when_every_message_takes_the_large_protocol() =>
        ScenarioJob.Passes(log, new JobSpec(2, "stream", "2000", "32") { LauncherArgs = ["-x", "HPCMSG_EAGER_LIMIT=0"] });
}
