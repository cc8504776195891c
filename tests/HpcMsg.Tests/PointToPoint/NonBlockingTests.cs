using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>ISend/IRecv with Wait, Test, WaitAll, WaitAny, TestAll, IsCompleted and await (scenario "nonblocking").</summary>
[Collection(JobsCollection.Name)]
public sealed class NonBlockingTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)] // rank 2 is its own partner while 0 and 1 talk
    [InlineData(4)]
    [InlineData(8)]
    public void Requests_complete_with_the_right_data_and_status(int np) => ScenarioJob.Passes(log, np, "nonblocking");

    [Fact]
    public void Requests_complete_with_the_right_data_and_status_through_the_single_copy() =>
        ScenarioJob.Passes(log, new JobSpec(2, "nonblocking") { LauncherArgs = ScenarioJob.WithCrossMemoryAttach });
}
