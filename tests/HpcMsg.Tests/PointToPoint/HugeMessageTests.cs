using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>Messages over 2 GiB work like any other (scenario "huge"): single copy and pipelined.</summary>
[Collection(JobsCollection.Name)]
public sealed class HugeMessageTests(ITestOutputHelper log)
{
    // 2^28 + 1 doubles: 2^31 + 8 bytes, just past what an int byte count could describe.
    private const string JustOverTwoGiB = "268435457";

    [Fact]
    public void A_message_of_more_than_two_GiB_arrives_intact_through_the_single_copy() =>
        ScenarioJob.Passes(log, new JobSpec(2, "huge", JustOverTwoGiB)
        {
            LauncherArgs = ScenarioJob.WithCrossMemoryAttach,
            HardTimeout = TimeSpan.FromSeconds(240),
            LauncherTimeoutSeconds = 200,
        });

    [Fact]
    public void A_message_of_more_than_two_GiB_arrives_intact_through_the_ring_pipeline() =>
        ScenarioJob.Passes(log, new JobSpec(2, "huge", JustOverTwoGiB)
        {
            LauncherArgs = ScenarioJob.WithoutCrossMemoryAttach,
            HardTimeout = TimeSpan.FromSeconds(240),
            LauncherTimeoutSeconds = 200,
        });
}
