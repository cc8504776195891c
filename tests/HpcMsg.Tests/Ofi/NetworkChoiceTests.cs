using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Ofi;

/// <summary>HPCMSG_NETWORK and HPCMSG_OFI_PROVIDER are honoured or refused at Init, never ignored: asking
/// for libfabric where no provider can reach another host, or for a provider libfabric does not offer,
/// fails Init naming what was tried; asking for ofi where a provider is offered runs (on one host no
/// peer needs it: the ranks talk through shared memory), and asking for tcp runs. The jobs across hosts
/// that use libfabric are in Network/OfiMultiHostJobTests.</summary>
[Collection(JobsCollection.Name)]
public sealed class NetworkChoiceTests(ITestOutputHelper log)
{
    [OfiFact]
    public void Asking_for_ofi_with_no_provider_that_reaches_other_hosts_fails_Init_naming_what_was_tried()
    {
        // FI_PROVIDER=shm leaves libfabric only its shared-memory provider, which reaches no other host.
        JobResult result = JobRunner.Run(new JobSpec(2, "basic")
        {
            Environment = new Dictionary<string, string?> { ["HPCMSG_NETWORK"] = "ofi", ["FI_PROVIDER"] = "shm" },
        }, log);
        JobAssert.ExitedWith(result, 1);
        JobAssert.StderrHasLineWith(result, "HPCMSG_NETWORK=ofi", "tried every provider", "HPCMSG_NETWORK=tcp");
    }

    [OfiFact]
    public void Asking_for_ofi_where_a_provider_is_offered_runs()
    {
        JobResult result = JobRunner.Run(new JobSpec(2, "basic")
        {
            Environment = new Dictionary<string, string?> { ["HPCMSG_NETWORK"] = "ofi", ["HPCMSG_OFI_PROVIDER"] = "tcp;ofi_rxm" },
        }, log);
        JobAssert.Succeeded(result, "basic");
    }

    [Fact]
    public void A_provider_libfabric_does_not_offer_fails_Init_naming_it()
    {
        JobResult result = JobRunner.Run(new JobSpec(1, "basic")
        {
            Environment = new Dictionary<string, string?> { ["HPCMSG_OFI_PROVIDER"] = "no-such-provider" },
        }, log);
        JobAssert.ExitedWith(result, 1);
        JobAssert.StderrHasLineWith(result, "HPCMSG_OFI_PROVIDER=no-such-provider");
    }

    [Fact]
    public void Asking_for_tcp_runs()
    {
        JobResult result = JobRunner.Run(new JobSpec(2, "basic")
        {
            Environment = new Dictionary<string, string?> { ["HPCMSG_NETWORK"] = "tcp" },
        }, log);
        JobAssert.Succeeded(result, "basic");
    }

    /// <summary>hpcrun --info says which network a job started now would use between hosts, and why,
    /// by the rule and probe Init uses.</summary>
    [OfiFact]
    public void Hpcrun_info_shows_the_network_choice_and_why()
    {
        static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
            name => vars.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();
        Assert.StartsWith("tcp: HPCMSG_NETWORK=tcp", HpcRun.TransportProbe.Network(Env(("HPCMSG_NETWORK", "tcp"))), StringComparison.Ordinal);
        Assert.StartsWith("ofi (tcp;ofi_rxm): HPCMSG_NETWORK=ofi, HPCMSG_OFI_PROVIDER=tcp;ofi_rxm",
            HpcRun.TransportProbe.Network(Env(("HPCMSG_NETWORK", "ofi"), ("HPCMSG_OFI_PROVIDER", "tcp;ofi_rxm"))), StringComparison.Ordinal);
        string refused = HpcRun.TransportProbe.Network(Env(("HPCMSG_OFI_PROVIDER", "no-such-provider")));
        Assert.StartsWith("nothing: Init would fail: HPCMSG_NETWORK=auto with HPCMSG_OFI_PROVIDER=no-such-provider", refused, StringComparison.Ordinal);
        string text = HpcRun.InfoCommand.Render(Env(("HPCMSG_NETWORK", "ofi"), ("HPCMSG_OFI_PROVIDER", "net")));
        Assert.Contains("Between hosts a job started now uses: ofi (net):", text, StringComparison.Ordinal);
        // And how a rank blocked on that provider waits: net before libfabric 1.19 polls (its fi_trywait
        // cannot be trusted), tcp;ofi_rxm sleeps on the completion queue's wait fd; TCP has no such line.
        string net = HpcMsg.Transports.Ofi.OfiLibrary.Shared.Version < HpcMsg.Transports.Ofi.OfiWaiting.NetTryWaitFixed ? "polls the completion queue every 50 µs" : "sleeps on the completion queue's wait fd";
        Assert.Contains($"A rank blocked on it (net): {net}", text, StringComparison.Ordinal);
        Assert.Contains("A rank blocked on it (tcp;ofi_rxm): sleeps on the completion queue's wait fd",
            HpcRun.InfoCommand.Render(Env(("HPCMSG_NETWORK", "ofi"), ("HPCMSG_OFI_PROVIDER", "tcp;ofi_rxm"))), StringComparison.Ordinal);
        Assert.DoesNotContain("A rank blocked on it", HpcRun.InfoCommand.Render(Env(("HPCMSG_NETWORK", "tcp"))), StringComparison.Ordinal);
        // Registration and auth_key: net asks for neither.
        Assert.Contains("Memory and keys on it (net): buffers not registered (the provider does not ask for FI_MR_LOCAL", text, StringComparison.Ordinal);
        Assert.Contains("net takes no auth_key", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Memory and keys on it", HpcRun.InfoCommand.Render(Env(("HPCMSG_NETWORK", "tcp"))), StringComparison.Ordinal);
    }

    [OfiFact]
    public void Hpcrun_info_says_what_becomes_of_traffic_from_outside_the_job()
    {
        static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
            name => vars.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();
        // net and tcp;ofi_rxm report senders (FI_SOURCE) in libfabric 1.17: strangers are dropped.
        foreach (string provider in new[] { "net", "tcp;ofi_rxm" })
        {
            string text = HpcRun.InfoCommand.Render(Env(("HPCMSG_NETWORK", "ofi"), ("HPCMSG_OFI_PROVIDER", provider)));
            Assert.Contains($"Traffic on it from outside the job ({provider}): dropped, counted and logged", text, StringComparison.Ordinal);
            Assert.True(HpcMsg.Transports.Ofi.OfiProbe.ReportsSources(HpcMsg.Transports.Ofi.OfiLibrary.Shared, provider), provider);
        }
        Assert.DoesNotContain("from outside the job", HpcRun.InfoCommand.Render(Env(("HPCMSG_NETWORK", "tcp"))), StringComparison.Ordinal);
        Assert.Contains("does not report senders (no FI_SOURCE)", HpcMsg.Transports.Ofi.OfiProbe.DescribeStrangers(HpcMsg.Transports.Ofi.OfiLibrary.Shared, "no-such-provider"), StringComparison.Ordinal);
    }
}
