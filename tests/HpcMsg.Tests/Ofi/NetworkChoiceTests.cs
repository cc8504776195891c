using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Ofi;

/// <summary>HPCMSG_NETWORK and HPCMSG_OFI_PROVIDER are honoured or refused at Init, never ignored: the
/// engine carries traffic between nodes over TCP only, so asking for libfabric fails with the selection's
/// reason and the way out, and asking for tcp (or nothing) runs.</summary>
[Collection(JobsCollection.Name)]
public sealed class NetworkChoiceTests(ITestOutputHelper log)
{
    [Fact]
    public void Asking_for_ofi_fails_Init_naming_the_choice_and_the_way_out()
    {
        JobResult result = JobRunner.Run(new JobSpec(2, "basic")
        {
            Environment = new Dictionary<string, string?> { ["HPCMSG_NETWORK"] = "ofi" },
        }, log);
        JobAssert.ExitedWith(result, 1);
        JobAssert.StderrHasLineWith(result, "HPCMSG_NETWORK=ofi", "over TCP only", "HPCMSG_NETWORK=tcp");
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
}
