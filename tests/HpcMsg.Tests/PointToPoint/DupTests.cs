using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>A Dup has a message space of its own (scenario "dup").</summary>
[Collection(JobsCollection.Name)]
public sealed class DupTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Messages_on_a_dup_and_on_world_never_match_each_other(int np) => ScenarioJob.Passes(log, np, "dup");
}
