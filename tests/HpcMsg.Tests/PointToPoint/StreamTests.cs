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

    [Fact]
    public void Random_sizes_arrive_in_order_when_every_message_takes_the_large_protocol() =>
        ScenarioJob.Passes(log, new JobSpec(2, "stream", "2000", "32") { LauncherArgs = ["-x", "HPCMSG_EAGER_LIMIT=0"] });
}
