using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>Every size around the protocol thresholds, blocking and non-blocking, echoed back (scenario "sizes").</summary>
[Collection(JobsCollection.Name)]
public sealed class SizesTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Messages_of_every_threshold_size_echo_intact(int np) => ScenarioJob.Passes(log, np, "sizes");

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Messages_of_every_threshold_size_echo_intact_through_the_single_copy(int np) =>
        ScenarioJob.Passes(log, new JobSpec(np, "sizes") { LauncherArgs = ScenarioJob.WithCrossMemoryAttach });

    [Fact]
    public void Messages_of_every_threshold_size_echo_intact_through_the_ring_pipeline_forced() =>
        ScenarioJob.Passes(log, new JobSpec(2, "sizes") { LauncherArgs = ScenarioJob.WithoutCrossMemoryAttach });
}
