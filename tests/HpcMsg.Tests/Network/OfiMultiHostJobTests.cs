using HpcMsg.Tests.Infrastructure;
using HpcMsg.Tests.Ofi;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Network;

/// <summary>
/// The multi-host scenarios of <see cref="MultiHostJobTests"/> with the traffic between hosts on
/// libfabric (<c>-x HPCMSG_NETWORK=ofi -x HPCMSG_OFI_PROVIDER=...</c>), over each provider this
/// machine can test with across network namespaces: <c>net</c> and <c>tcp;ofi_rxm</c>. Each job
/// proves that its ranks had libfabric mapped while they talked (the <c>fabric</c> scenario prints it
/// from /proc/self/maps), so that a silent fall-back to TCP cannot pass.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class OfiMultiHostJobTests(ITestOutputHelper log) : IClassFixture<NetworkNamespaces>
{
    private static readonly (string, int)[] TwoHosts = [("hpcA", 2), ("hpcB", 2)];
    private static readonly (string, int)[] ThreeHosts = [("hpcA", 2), ("hpcB", 2), ("hpcC", 2)];
    private static readonly (string, int)[] OneRankEach = [("hpcA", 1), ("hpcB", 1)];
    private static readonly (string, int)[] AloneAndPair = [("hpcA", 1), ("hpcB", 2)];
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(30);

    /// <summary>The job over <paramref name="provider"/>; HPCMSG_OFI_MR_LOCAL, where this test process has it
    /// (running the class with the registered path forced) and the job does not set it, goes to the ranks too.</summary>
    private static JobSpec Over(string provider, JobSpec spec) => spec with
    {
        LauncherArgs =
        [
            "-x", "HPCMSG_NETWORK=ofi", "-x", $"HPCMSG_OFI_PROVIDER={provider}",
            .. Environment.GetEnvironmentVariable(MrLocal) is { Length: > 0 } forced && !spec.LauncherArgs.Any(a => a.StartsWith(MrLocal + "=", StringComparison.Ordinal))
                ? (string[])["-x", $"{MrLocal}={forced}"] : [],
            .. spec.LauncherArgs,
        ],
    };

    private const string MrLocal = "HPCMSG_OFI_MR_LOCAL";

    /// <summary>The job over <paramref name="provider"/> with its buffers registered and descriptors passed
    /// (FI_MR_LOCAL's path, which verbs;ofi_rxm and efa take; forced, since net and tcp;ofi_rxm do not ask for it).</summary>
    private static JobSpec Registered(string provider, JobSpec spec) => Over(provider, spec with { LauncherArgs = ["-x", $"{MrLocal}=1", .. spec.LauncherArgs] });

    /// <summary>FI_MR_LOCAL's path across hosts: every rank registered its slots and the buffer of the ring's
    /// 4 MiB message that crosses hosts (each rank sends or receives one: at least 2 regions; 0 unforced),
    /// and the data came through.</summary>
    [OfiNetnsTheory]
    [InlineData("net", true)]
    [InlineData("tcp;ofi_rxm", true)]
    [InlineData("net", false)]
    public void Registered_buffers_carry_the_traffic_when_forced(string provider, bool forced)
    {
        JobSpec spec = new(4, "fabric");
        JobResult result = NetnsJob.Run(log, forced ? Registered(provider, spec) : Over(provider, spec with { LauncherArgs = ["-x", $"{MrLocal}=0"] }), TwoHosts);
        JobAssert.Succeeded(result, "fabric");
        for (int rank = 0; rank < 4; rank++)
        {
            System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(result.Stdout, $@"rank {rank} ofi_registrations=(\d+)");
            Assert.True(m.Success, $"rank {rank} printed no ofi_registrations line\n{result}");
            long n = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(forced ? n >= 2 : n == 0, $"rank {rank}: {n} regions registered, forced={forced}\n{result}");
        }
    }

    /// <summary>Every message size, and 240 MB in one message, with registered buffers (each large message's
    /// buffer registered for it on both sides).</summary>
    [OfiNetnsTheory]
    [InlineData("net", "sizes")]
    [InlineData("tcp;ofi_rxm", "sizes")]
    [InlineData("net", "huge")]
    [InlineData("tcp;ofi_rxm", "huge")]
    public void Sizes_with_registered_buffers(string provider, string scenario)
    {
        JobSpec spec = scenario == "huge" ? new JobSpec(2, "huge", "30000000") : new JobSpec(2, "sizes");
        JobResult result = NetnsJob.Run(log, Registered(provider, spec), OneRankEach);
        JobAssert.Succeeded(result, scenario);
    }

    [OfiNetnsTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void Every_rank_on_three_hosts_has_libfabric_loaded_while_it_talks(string provider)
    {
        JobResult result = NetnsJob.Run(log, Over(provider, new JobSpec(6, "fabric")), ThreeHosts);
        JobAssert.Succeeded(result, "fabric");
        for (int rank = 0; rank < 6; rank++)
        {
            string? line = result.Stdout.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith($"rank {rank} libfabric=", StringComparison.Ordinal));
            Assert.True(line is not null && line.Contains("libfabric.so", StringComparison.Ordinal), $"rank {rank}: expected libfabric mapped, got '{line}'\n{result}");
        }
    }

    [OfiNetnsTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void Point_to_point_over_two_hosts(string provider)
    {
        JobResult result = NetnsJob.Run(log, Over(provider, new JobSpec(4, "basic")), TwoHosts);
        JobAssert.Succeeded(result, "basic");
    }

    [OfiNetnsTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void Collectives_over_three_hosts(string provider)
    {
        JobResult result = NetnsJob.Run(log, Over(provider, new JobSpec(6, "collectives", "quick")), ThreeHosts);
        JobAssert.Succeeded(result, "collectives");
    }

    [OfiNetnsTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void Every_message_size_between_hosts(string provider)
    {
        JobResult result = NetnsJob.Run(log, Over(provider, new JobSpec(2, "sizes")), OneRankEach);
        JobAssert.Succeeded(result, "sizes");
    }

    [OfiNetnsTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void A_large_message_between_hosts(string provider)
    {
        // 30 million doubles: 240 MB as one tagged send.
        JobResult result = NetnsJob.Run(log, Over(provider, new JobSpec(2, "huge", "30000000")), OneRankEach);
        JobAssert.Succeeded(result, "huge");
    }

    [OfiNetnsTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void A_rank_killed_on_a_remote_host_ends_the_job_naming_that_host(string provider)
    {
        JobResult result = NetnsJob.Run(log, Over(provider, new JobSpec(4, "sigkill") { LauncherTimeoutSeconds = 60 }), TwoHosts);
        JobAssert.ExitedWith(result, 137);
        JobAssert.StderrNamesFailedRankOnHost(result, 3, "hpcB", "signal", "9");
        JobAssert.FinishedWithin(result, Quickly);
    }

    /// <summary>A peer on another host dies (SIGKILL) or aborts while the survivors block on it: every
    /// survivor's blocked call throws (learnt from libfabric's error completions, an Abort record, or
    /// hpcrun's word through the lifeline), and it prints and finalizes.</summary>
    [OfiNetnsTheory]
    [InlineData("net", "sigkill", "recv", 2)]
    [InlineData("net", "abort", "await", 0)]
    [InlineData("tcp;ofi_rxm", "sigkill", "recv", 2)]
    [InlineData("tcp;ofi_rxm", "abort", "await", 0)]
    public void A_blocked_call_on_a_failed_peer_on_another_host_throws(string provider, string failure, string blocking, int failing)
    {
        JobResult result = NetnsJob.Run(log, Over(provider, new JobSpec(3, "peerfail", failure, blocking, failing.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            LauncherTimeoutSeconds = 60,
        }), AloneAndPair);
        bool abort = failure == "abort";
        JobAssert.ExitedWith(result, abort ? 7 : 137);
        CaughtFailure.EverySurvivorCaught(result, 3, failing, abort ? "JobAbortedException" : "RankFailedException", blocking);
        JobAssert.FinishedWithin(result, Quickly);
    }

    /// <summary>Wire-up on first use over libfabric (issue 17 item 6 for the fabric): of 6 ranks on three
    /// hosts, each talks to one partner on another host only (both sending at once, so that both greet
    /// each other at the same moment), and afterwards holds that partner alone in its address vector
    /// (the engine's connected peers), not the 4 ranks on other hosts; the process has two TCP
    /// connections established: hpcrun's lifeline and the provider's connection to the partner (net and
    /// tcp;ofi_rxm run over TCP sockets). Before, every rank inserted all 4 at Init.</summary>
    [OfiNetnsTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void A_rank_that_talks_to_one_neighbour_holds_one_address(string provider)
    {
        JobResult result = NetnsJob.Run(log, Over(provider, new JobSpec(6, "neighbour") { LauncherTimeoutSeconds = 60 }), ThreeHosts);
        JobAssert.Succeeded(result, "neighbour");
        for (int rank = 0; rank < 6; rank++)
        {
            int partner = (rank + 3) % 6;
            System.Text.RegularExpressions.Match? line = System.Text.RegularExpressions.Regex
                .Matches(result.Stdout, @"CONNECTIONS rank=(?<rank>\d+) peers=(?<peers>[\d,]*) established=(?<established>\d+)")
                .FirstOrDefault(m => m.Groups["rank"].Value == rank.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(line is not null, $"no CONNECTIONS line from rank {rank}\n{result}");
            Assert.True(line.Groups["peers"].Value == partner.ToString(System.Globalization.CultureInfo.InvariantCulture), $"rank {rank}: expected rank {partner} alone in the address vector, got '{line.Value}'\n{result}");
            Assert.True(line.Groups["established"].Value == "2", $"rank {rank}: expected 2 established TCP sockets (hpcrun's and the provider's to the partner), got '{line.Value}'\n{result}");
        }
    }

    [OfiNetnsTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void Dup_and_dispose_cycles_between_hosts_reuse_context_ids(string provider)
    {
        JobResult result = NetnsJob.Run(log, Over(provider, new JobSpec(3, "dupcycles", "3000")), AloneAndPair);
        JobAssert.Succeeded(result, "dupcycles");
    }
}

/// <summary>A theory that needs network namespaces and libfabric: skipped, with the reason, where either is missing
/// (unless HPCMSG_NETNS_REQUIRED or HPCMSG_OFI_REQUIRED says the machine must have them: then it runs, and fails).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OfiNetnsTheoryAttribute : TheoryAttribute
{
    public OfiNetnsTheoryAttribute()
    {
        if (NetnsSupport.WhyUnavailable is string why && !NetnsSupport.Required)
            Skip = $"skipped: needs network namespaces, and {why}";
        else if (OfiSupport.WhyNoLibrary is string noLibrary && !OfiSupport.Required)
            Skip = $"skipped: needs libfabric, and {noLibrary}";
    }
}
