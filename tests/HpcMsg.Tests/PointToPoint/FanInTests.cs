using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>Wildcard receives and Probe/IProbe on a fan-in to rank 0 (scenario "fanin").</summary>
[Collection(JobsCollection.Name)]
public sealed class FanInTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Wildcard_receives_and_probes_see_every_message_once_in_order(int np) => ScenarioJob.Passes(log, np, "fanin");
}
