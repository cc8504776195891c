using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Network;

/// <summary>
/// Jobs over two and three hosts with separate network stacks (network namespaces joined by a bridge),
/// started by hpcrun through <c>ip netns exec {host}</c>: ranks land on the right host with the right
/// environment, talk point-to-point and collectively across hosts, move a large message, and a rank
/// killed on a remote host, or a host that cannot be reached, ends the job with a line naming the host
/// and nothing left on any host.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class MultiHostJobTests(ITestOutputHelper log) : IClassFixture<NetworkNamespaces>
{
    private static readonly (string, int)[] TwoHosts = [("hpcA", 2), ("hpcB", 2)];
    private static readonly (string, int)[] ThreeHosts = [("hpcA", 2), ("hpcB", 2), ("hpcC", 2)];
    private static readonly (string, int)[] OneRankEach = [("hpcA", 1), ("hpcB", 1)];
    private static readonly (string, int)[] AloneAndPair = [("hpcA", 1), ("hpcB", 2)];
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(30);

    [NetnsFact]
    public void Ranks_start_on_their_hosts_with_the_jobs_environment_and_the_secret_on_stdin()
    {
        const string script =
            "read -r secret; echo \"rank=$HPCMSG_RANK ns=$(ip netns identify) host=$HPCMSG_HOST node=$HPCMSG_NODE/$HPCMSG_NODES " +
            "local=$HPCMSG_LOCAL_RANK/$HPCMSG_LOCAL_SIZE shm=$HPCMSG_SHM rendezvous=$HPCMSG_RENDEZVOUS iface=$HPCMSG_IFACE " +
            "stdin=$HPCMSG_SECRET_STDIN envsecret=${HPCMSG_SECRET:-none} pid=${HPCMSG_LAUNCHER_PID:-none} secretlen=${#secret}\"";
        JobResult result = NetnsJob.Run(log, new JobSpec(4, "-c", script) { Program = "/bin/sh" }, TwoHosts);
        JobAssert.ExitedWith(result, 0);
        JobAssert.StderrHasLineWith(result, "hpcrun: ranks 0-1 on hpcA, 2-3 on hpcB");
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 4, $"expected one line from each of 4 ranks\n{result}");
        for (int rank = 0; rank < 4; rank++)
        {
            string host = rank < 2 ? "hpcA" : "hpcB";
            int node = rank / 2;
            string? line = lines.SingleOrDefault(l => l.StartsWith($"rank={rank} ", StringComparison.Ordinal));
            Assert.True(line is not null, $"no line from rank {rank}\n{result}");
            string[] expected =
            [
                $"ns={host} ", $"host={host} ", $"node={node}/2 ", $"local={rank % 2}/2 ", $"-n{node} ",
                "rendezvous=10.213.0.254:", $"iface={NetworkNamespaces.Subnet} ", "stdin=1 ", "envsecret=none ",
                "pid=none ", "secretlen=64",
            ];
            foreach (string fragment in expected)
                Assert.True(line.Contains(fragment, StringComparison.Ordinal), $"rank {rank}: expected '{fragment}' in '{line}'\n{result}");
        }
    }

    [NetnsFact]
    public void Point_to_point_over_two_hosts()
    {
        JobResult result = NetnsJob.Run(log, new JobSpec(4, "basic"), TwoHosts);
        JobAssert.Succeeded(result, "basic");
    }

    [NetnsFact]
    public void Collectives_over_three_hosts()
    {
        JobResult result = NetnsJob.Run(log, new JobSpec(6, "collectives", "quick"), ThreeHosts);
        JobAssert.Succeeded(result, "collectives");
    }

    [NetnsFact]
    public void Every_message_size_between_hosts()
    {
        JobResult result = NetnsJob.Run(log, new JobSpec(2, "sizes"), OneRankEach);
        JobAssert.Succeeded(result, "sizes");
    }

    [NetnsFact]
    public void A_large_message_between_hosts()
    {
        // 30 million doubles: 240 MB through one TCP connection.
        JobResult result = NetnsJob.Run(log, new JobSpec(2, "huge", "30000000"), OneRankEach);
        JobAssert.Succeeded(result, "huge");
    }

    [NetnsFact]
    public void A_rank_killed_on_a_remote_host_ends_the_job_naming_that_host()
    {
        // sigkill: the last rank, 3 on hpcB, kills itself while the others wait for it.
        JobResult result = NetnsJob.Run(log, new JobSpec(4, "sigkill") { LauncherTimeoutSeconds = 60 }, TwoHosts);
        JobAssert.ExitedWith(result, 137);
        JobAssert.StderrNamesFailedRankOnHost(result, 3, "hpcB", "signal", "9");
        JobAssert.FinishedWithin(result, Quickly);
    }

    /// <summary>The last rank, alone on hpcB, is killed while nobody holds a connection to it (the
    /// others only wait to receive from it, or make no call at all): hpcrun sees its process end and
    /// ends the job naming it, with nothing left on either host.</summary>
    [NetnsTheory]
    [InlineData("")]
    [InlineData("idle")]
    public void A_rank_killed_alone_on_its_host_with_no_connection_to_it_ends_the_job(string how)
    {
        string[] args = how.Length > 0 ? [how] : [];
        JobResult result = NetnsJob.Run(log, new JobSpec(3, "sigkill", args) { LauncherTimeoutSeconds = 60 }, [("hpcA", 2), ("hpcB", 1)]);
        JobAssert.ExitedWith(result, 137);
        JobAssert.StderrNamesFailedRankOnHost(result, 2, "hpcB", "signal", "9");
        JobAssert.FinishedWithin(result, Quickly);
    }

    /// <summary>Over TCP, with a rank alone on its host: ranks 0 on hpcA, 1 and 2 on hpcB. When rank 2
    /// fails, rank 0 learns it from its connection (end of stream without an orderly close, or the
    /// Abort frame) and rank 1 from hpcrun; when rank 0 fails, both on hpcB learn it over TCP. Every
    /// survivor's blocked call throws, and it prints and finalizes.</summary>
    [NetnsTheory]
    [InlineData("sigkill", "recv", 2)]
    [InlineData("sigkill", "wait", 2)]
    [InlineData("sigkill", "await", 2)]
    [InlineData("abort", "recv", 2)]
    [InlineData("abort", "wait", 2)]
    [InlineData("abort", "await", 2)]
    [InlineData("sigkill", "recv", 0)]
    [InlineData("abort", "await", 0)]
    public void A_blocked_call_on_a_failed_peer_on_another_host_throws(string failure, string blocking, int failing)
    {
        JobResult result = NetnsJob.Run(log, new JobSpec(3, "peerfail", failure, blocking, failing.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            LauncherTimeoutSeconds = 60,
        }, AloneAndPair);
        bool abort = failure == "abort";
        JobAssert.ExitedWith(result, abort ? 7 : 137);
        CaughtFailure.EverySurvivorCaught(result, 3, failing, abort ? "JobAbortedException" : "RankFailedException", blocking);
        JobAssert.FinishedWithin(result, Quickly);
    }

    /// <summary>API.md: after Abort(errorCode) hpcrun exits with errorCode, 0 included. The aborting
    /// rank (the last) is alone on its host, so no shared segment records the abort: hpcrun knows it
    /// from the rank's rendezvous connection, and must not count the rank's exit code 0 as success.</summary>
    [NetnsTheory]
    [InlineData(0)]
    [InlineData(7)]
    public void Abort_by_a_rank_alone_on_its_host_ends_the_job_with_its_code(int code)
    {
        string text = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        JobResult result = NetnsJob.Run(log, new JobSpec(3, "abort", text) { LauncherTimeoutSeconds = 60 }, [("hpcA", 2), ("hpcB", 1)]);
        JobAssert.ExitedWith(result, code);
        JobAssert.StderrNamesFailedRankOnHost(result, 2, "hpcB", "aborted", text);
        JobAssert.FinishedWithin(result, Quickly);
    }

    /// <summary>Freed communicators give their context ids back and drop what was left unreceived on
    /// them over TCP too (the members' closing exchange follows every earlier frame on each connection).</summary>
    [NetnsFact]
    public void Dup_and_dispose_cycles_between_hosts_reuse_context_ids()
    {
        JobResult result = NetnsJob.Run(log, new JobSpec(3, "dupcycles", "3000"), AloneAndPair);
        JobAssert.Succeeded(result, "dupcycles");
    }

    [NetnsFact]
    public void A_host_the_agent_cannot_reach_ends_the_job_naming_that_host()
    {
        // hpcZ is no namespace: 'ip netns exec hpcZ' fails with 255, as ssh does for a host it cannot reach.
        JobResult result = NetnsJob.Run(log, new JobSpec(4, "basic") { LauncherTimeoutSeconds = 60 }, [("hpcA", 2), ("hpcZ", 2)]);
        JobAssert.ExitedWith(result, 255);
        JobAssert.StderrHasLineWith(result, "hpcrun: cannot start rank", "on host hpcZ through 'ip netns exec hpcZ'");
        JobAssert.FinishedWithin(result, Quickly);
    }
}
