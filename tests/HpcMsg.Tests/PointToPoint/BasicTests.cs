using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>Typed blocking Send/Recv and SendRecv around a ring, with Status fields (scenario "basic").</summary>
[Collection(JobsCollection.Name)]
public sealed class BasicTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Scalars_spans_structs_and_status_arrive_intact(int np) => ScenarioJob.Passes(log, np, "basic");
}
