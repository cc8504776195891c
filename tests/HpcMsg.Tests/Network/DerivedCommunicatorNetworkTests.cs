using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Network;

/// <summary>Point-to-point with wildcards over three hosts on a Split that reverses the rank order: the
/// TCP path must report sources in the communicator's own numbering too (see DerivedCommunicatorTests).</summary>
[Collection(JobsCollection.Name)]
public sealed class DerivedCommunicatorNetworkTests(ITestOutputHelper log) : IClassFixture<NetworkNamespaces>
{
    private static readonly (string, int)[] ThreeHosts = [("hpcA", 2), ("hpcB", 2), ("hpcC", 2)];

    [NetnsTheory]
    [InlineData("basic")]
    [InlineData("fanin")]
    [InlineData("nonblocking")]
    public void Point_to_point_over_three_hosts_on_a_reversed_split(string scenario)
    {
        JobResult result = NetnsJob.Run(log, new JobSpec(6, scenario) { LauncherArgs = ["-x", "TESTAPP_COMMUNICATOR=split"] }, ThreeHosts);
        JobAssert.Succeeded(result, scenario);
    }
}
