using HpcMsg.Tests.Collectives;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Network;

/// <summary>
/// The differential test of every collective (see <see cref="DifferentialTests"/>) with 6 ranks over
/// 3 hosts (2 each, network namespaces): every collective then mixes shared memory within a host
/// and TCP between hosts, and the world has no node barrier or shared-memory collectives.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class DifferentialNetworkTests(ITestOutputHelper log) : IClassFixture<NetworkNamespaces>
{
    private static readonly (string, int)[] ThreeHosts = [("hpcA", 2), ("hpcB", 2), ("hpcC", 2)];

    [NetnsFact]
    public void Every_collective_matches_the_serial_fold_over_three_hosts()
    {
        log.WriteLine($"fresh seed of this run: {DifferentialTests.FreshSeed}");
        JobResult result = NetnsJob.Run(log, new JobSpec(6, "differential", DifferentialTests.Arguments(6, DifferentialTests.FreshSeed))
        {
            LauncherTimeoutSeconds = 150,
            HardTimeout = TimeSpan.FromSeconds(180),
        }, ThreeHosts);
        JobAssert.Succeeded(result, "differential");
    }
}
