using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>Invalid ranks and tags are refused with ArgumentOutOfRangeException naming the argument;
/// a second Init is refused (scenario "errors").</summary>
[Collection(JobsCollection.Name)]
public sealed class ArgumentErrorTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Invalid_ranks_and_tags_are_refused_with_a_precise_message(int np) => ScenarioJob.Passes(log, np, "errors");
}
