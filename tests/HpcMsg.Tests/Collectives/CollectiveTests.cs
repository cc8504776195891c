using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Collectives;

/// <summary>
/// Every collective, under every algorithm it has (forced in turn inside the job), for empty, small,
/// odd and multi-MiB buffers and every root, compared with a serial computation; also on a Dup and a
/// Split half (scenario "collectives").
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class CollectiveTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    public void Every_collective_and_algorithm_matches_the_serial_result(int np) =>
        ScenarioJob.Passes(log, new JobSpec(np, "collectives") { HardTimeout = TimeSpan.FromSeconds(240), LauncherTimeoutSeconds = 200 });

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Collectives_are_right_through_the_single_copy(int np) =>
        ScenarioJob.Passes(log, new JobSpec(np, "collectives", "quick") { LauncherArgs = ScenarioJob.WithCrossMemoryAttach });

    [Fact]
    public void An_algorithm_forced_through_the_environment_is_used_and_right() =>
        ScenarioJob.Passes(log, new JobSpec(5, "collectives", "quick")
        {
            LauncherArgs = ["-x", "HPCMSG_COLL_ALLREDUCE=rabenseifner", "-x", "HPCMSG_COLL_BCAST=scatter_allgather", "-x", "HPCMSG_ALLREDUCE_SHORT_BYTES=0"],
        });

    [Fact]
    public void A_misspelt_forced_algorithm_is_a_clear_error()
    {
        JobResult result = JobRunner.Run(new JobSpec(2, "collectives", "quick") { LauncherArgs = ["-x", "HPCMSG_COLL_BCAST=fastest"] }, log);
        Assert.NotEqual(0, result.ExitCode);
        JobAssert.StderrHasLineWith(result, "HPCMSG_COLL_BCAST", "fastest", "Binomial");
    }
}
