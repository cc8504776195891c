using System.Text.RegularExpressions;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Bootstrap;

/// <summary>
/// Endpoints learnt on first dial, end to end through hpcrun on this machine: the ranks run on two
/// "hosts", a and b, that an agent reaches by running the rank here (as in ParallelStartTests), so
/// hpcrun opens its rendezvous, the ranks of a host share a segment, and ranks of different hosts talk
/// over loopback TCP: each dial first asks hpcrun for the peer's endpoint on the rank's lifeline (Init
/// hands out none). The same over real hosts: tests/HpcMsg.Tests/Network (network namespaces).
/// </summary>
[Collection(JobsCollection.Name)]
public sealed partial class LookupOnFirstDialJobTests(ITestOutputHelper log)
{
    private static readonly string[] TwoHosts = ["--host", "a:2,b:2", "--launch-agent", "sh -c 'shift; exec \"$@\"' agent {host}", "--iface", "127.0.0.0/8"];

    [Fact]
    public void A_rank_that_talks_to_one_peer_on_another_host_holds_one_connection()
    {
        // Default settings: Init's warm-up does not run across hosts, so the connections counted
        // (and the lookups behind them) are the program's.
        JobResult result = JobRunner.Run(new JobSpec(4, "neighbour") { LauncherArgs = [.. TwoHosts], LauncherTimeoutSeconds = 90, HardTimeout = TimeSpan.FromSeconds(150) }, log);
        JobAssert.Succeeded(result, "neighbour");
        for (int rank = 0; rank < 4; rank++)
        {
            int partner = (rank + 2) % 4;
            Match? line = Report().Matches(result.Stdout).FirstOrDefault(m => m.Groups["rank"].Value == rank.ToString());
            Assert.True(line is not null, $"no CONNECTIONS line from rank {rank}\n{result}");
            Assert.True(line.Groups["peers"].Value == partner.ToString(), $"rank {rank}: expected a connection to rank {partner} only, got '{line.Value}'\n{result}");
            Assert.True(line.Groups["established"].Value == "2", $"rank {rank}: expected 2 established TCP sockets (partner and hpcrun), got '{line.Value}'\n{result}");
        }
    }

    [Fact]
    public void Collectives_over_two_hosts_dial_every_peer_they_need()
    {
        // "quick": as over the namespaces' three hosts; 70-80 s here on 2 cores at load 25-30, before and after this change alike.
        JobResult result = JobRunner.Run(new JobSpec(4, "collectives", "quick") { LauncherArgs = TwoHosts, LauncherTimeoutSeconds = 240, HardTimeout = TimeSpan.FromSeconds(300) }, log);
        JobAssert.Succeeded(result, "collectives");
    }

    [GeneratedRegex(@"CONNECTIONS rank=(?<rank>\d+) peers=(?<peers>[\d,]*) established=(?<established>\d+)")]
    private static partial Regex Report();
}
