using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>A process started without hpcrun is a job of size 1 and can send to itself.</summary>
[Collection(JobsCollection.Name)]
public sealed class SingletonTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("basic")]
    [InlineData("sizes")]
    [InlineData("nonblocking")]
    [InlineData("fanin")]
    [InlineData("stream")]
    [InlineData("truncate")]
    [InlineData("errors")]
    [InlineData("objects")]
    [InlineData("dup")]
    public void A_lone_process_runs_the_scenario_as_a_job_of_one(string scenario) =>
        ScenarioJob.Passes(log, new JobSpec(1, scenario) { WithoutLauncher = true });

    [Fact]
    public void An_unknown_scenario_is_refused_with_usage()
    {
        JobResult result = JobRunner.Run(new JobSpec(1, "no-such-scenario") { WithoutLauncher = true }, log);
        JobAssert.ExitedWith(result, 2);
        JobAssert.StderrHasLineWith(result, "unknown scenario", "no-such-scenario");
    }
}
