using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>A process started without hpcrun is a job of size 1 and can send to itself. The harness
/// starts it with none of the launcher's variables, even when the tests themselves run under hpcrun.</summary>
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
    [InlineData("singleton")]
    public void A_lone_process_runs_the_scenario_as_a_job_of_one(string scenario) =>
        ScenarioJob.Passes(log, new JobSpec(1, scenario) { WithoutLauncher = true });

    [Fact]
    public void The_singleton_scenario_refuses_to_pass_as_part_of_a_larger_job()
    {
        JobResult result = JobRunner.Run(new JobSpec(2, "singleton"), log);
        Assert.NotEqual(0, result.ExitCode);
        JobAssert.StderrHasLineWith(result, "Size of a lone process");
    }

    [Fact]
    public void An_unknown_scenario_is_refused_with_usage()
    {
        JobResult result = JobRunner.Run(new JobSpec(1, "no-such-scenario") { WithoutLauncher = true }, log);
        JobAssert.ExitedWith(result, 2);
        JobAssert.StderrHasLineWith(result, "unknown scenario", "no-such-scenario");
    }
}
