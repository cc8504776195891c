using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Collectives;

/// <summary>The node collectives' one-barrier calls through alternating slot halves (scenario
/// "node-slots": random sizes on both sides of half a slot, a random rank late before each call,
/// every result checked), and Init's first-call warm-up (scenario "warm-up").</summary>
[Collection(JobsCollection.Name)]
public sealed class NodeCollectiveTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(6)]
    public void Small_allreduce_and_broadcast_never_lap_a_slow_reader(int np) =>
        ScenarioJob.Passes(log, new JobSpec(np, "node-slots", np <= 4 ? "3000" : "1500", "7") { Oversubscribe = true });

    /// <summary>Every wait sleeps at once: the slow reader is asleep, not spinning, when the others move on.</summary>
    [Fact]
    public void Small_allreduce_and_broadcast_never_lap_a_sleeping_reader() =>
        ScenarioJob.Passes(log, new JobSpec(4, "node-slots", "1000", "11")
        {
            Oversubscribe = true,
            LauncherArgs = ["-x", "HPCMSG_SPIN_US=0", "-x", "HPCMSG_YIELDS=0"],
        });

    [Theory]
    [InlineData(1, "0")]
    [InlineData(2, "1")]
    [InlineData(4, "1")]
    public void Init_warms_the_collectives_up_and_leaves_nothing_behind(int np, string expected) =>
        ScenarioJob.Passes(log, new JobSpec(np, "warm-up", expected) { Oversubscribe = np > 2 });

    [Fact]
    public void The_warm_up_can_be_turned_off() =>
        ScenarioJob.Passes(log, new JobSpec(3, "warm-up", "0") { Oversubscribe = true, LauncherArgs = ["-x", "HPCMSG_WARMUP=0"] });
}
