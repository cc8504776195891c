using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>
/// The point-to-point scenarios again, on a Dup of the world and on a Split whose keys reverse the rank
/// order (TESTAPP_COMMUNICATOR): every rank, Status.Source of wildcard receives and probes included,
/// must be in the communicator's own numbering. Five ranks, so that in the reversed Split most ranks'
/// world and communicator numbers differ and so do their neighbours'.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class DerivedCommunicatorTests(ITestOutputHelper log)
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string communicator in new[] { "dup", "split" })
            foreach (string scenario in new[] { "basic", "sizes", "burst", "stream", "fanin", "nonblocking", "truncate", "objects" })
                data.Add(scenario, communicator);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Point_to_point_scenario_passes_on_a_derived_communicator(string scenario, string communicator) =>
        ScenarioJob.Passes(log, new JobSpec(5, scenario) { LauncherArgs = ["-x", $"TESTAPP_COMMUNICATOR={communicator}"] });

    /// <summary>The switch itself is checked: an unknown communicator kind fails the job with a clear message.</summary>
    [Fact]
    public void An_unknown_communicator_kind_is_a_clear_error()
    {
        JobResult result = JobRunner.Run(new JobSpec(2, "basic") { LauncherArgs = ["-x", "TESTAPP_COMMUNICATOR=cart"] }, log);
        Assert.NotEqual(0, result.ExitCode);
        JobAssert.StderrHasLineWith(result, "TESTAPP_COMMUNICATOR", "cart");
    }
}
