using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>Too-long messages throw MessageTruncatedException and do not disturb the next one (scenario "truncate").</summary>
[Collection(JobsCollection.Name)]
public sealed class TruncateTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void A_too_long_message_throws_and_the_next_one_arrives(int np) => ScenarioJob.Passes(log, np, "truncate");

    [Fact]
    public void A_too_long_message_throws_and_the_next_one_arrives_through_the_single_copy() =>
        ScenarioJob.Passes(log, new JobSpec(2, "truncate") { LauncherArgs = ScenarioJob.WithCrossMemoryAttach });
}
