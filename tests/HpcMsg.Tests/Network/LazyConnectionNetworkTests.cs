using System.Text.RegularExpressions;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Network;

/// <summary>
/// TCP connections open on first use (issue 17, item 6): over three hosts, each of 6 ranks talks to
/// one partner on another host only (both dialing at once), and afterwards holds exactly one
/// connection to another rank: the engine names that partner alone, and the kernel lists two
/// established TCP sockets in the process (that connection and the lifeline to hpcrun). Before, every
/// rank held a connection to each of the 4 ranks on other hosts from Init on.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed partial class LazyConnectionNetworkTests(ITestOutputHelper log) : IClassFixture<NetworkNamespaces>
{
    private static readonly (string, int)[] ThreeHosts = [("hpcA", 2), ("hpcB", 2), ("hpcC", 2)];

    [NetnsFact]
    public void A_rank_that_talks_to_one_neighbour_holds_one_connection()
    {
        // With the default settings: Init's first-call warm-up does not run across hosts (its
        // collectives would dial peers), so every connection counted here is the program's.
        JobResult result = NetnsJob.Run(log, new JobSpec(6, "neighbour") { LauncherTimeoutSeconds = 60 }, ThreeHosts);
        JobAssert.Succeeded(result, "neighbour");
        for (int rank = 0; rank < 6; rank++)
        {
            int partner = (rank + 3) % 6;
            Match? line = Report().Matches(result.Stdout).FirstOrDefault(m => m.Groups["rank"].Value == rank.ToString());
            Assert.True(line is not null, $"no CONNECTIONS line from rank {rank}\n{result}");
            Assert.True(line.Groups["peers"].Value == partner.ToString(), $"rank {rank}: expected a connection to rank {partner} only, got '{line.Value}'\n{result}");
            Assert.True(line.Groups["established"].Value == "2", $"rank {rank}: expected 2 established TCP sockets (partner and hpcrun), got '{line.Value}'\n{result}");
        }
    }

    [GeneratedRegex(@"CONNECTIONS rank=(?<rank>\d+) peers=(?<peers>[\d,]*) established=(?<established>\d+)")]
    private static partial Regex Report();
}
