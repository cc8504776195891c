using HpcMsg.Transports.Ofi;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Ofi;

/// <summary>libfabric loaded at run time: a missing library is reported, not thrown, and makes auto
/// choose TCP and ofi fail; the real library on this machine offers tagged RDM through net and
/// tcp;ofi_rxm (fi_info -l), and only socket providers, so auto stays on TCP here.</summary>
public sealed unsafe class OfiProbeTests(ITestOutputHelper log)
{
    [Fact]
    public void A_missing_library_is_not_available_with_the_reason_and_selection_falls_back()
    {
        OfiLibrary missing = OfiLibrary.Load("libfabric-hpcmsg-missing.so.1");
        Assert.False(missing.IsAvailable);
        Assert.Contains("libfabric-hpcmsg-missing.so.1 could not be loaded", missing.WhyUnavailable);
        Assert.Equal("libfabric error -265", missing.StrError(-265));
        Assert.Throws<InvalidOperationException>(() => { missing.AllocInfo(); });

        OfiProbeResult probe = OfiProbe.Run(missing);
        Assert.Equal(missing.WhyUnavailable, probe.WhyUnavailable);
        Assert.Empty(probe.Offers);

        NetworkDecision auto = NetworkSelection.Decide("auto", null, p => OfiProbe.Run(missing, p));
        Assert.Equal((NetworkKind.Tcp, (string?)null), (auto.Network, auto.Error));
        NetworkDecision ofi = NetworkSelection.Decide("ofi", null, p => OfiProbe.Run(missing, p));
        Assert.Contains("libfabric-hpcmsg-missing.so.1 could not be loaded", ofi.Error);
    }

    [Fact]
    public void A_library_that_is_not_libfabric_is_refused()
    {
        OfiLibrary notFabric = OfiLibrary.Load("libc.so.6");
        Assert.False(notFabric.IsAvailable);
        Assert.Contains("not libfabric", notFabric.WhyUnavailable);
    }

    [OfiFact]
    public void This_machine_offers_tagged_rdm_through_net_and_tcp_ofi_rxm_and_auto_stays_on_tcp()
    {
        OfiLibrary library = OfiLibrary.Shared;
        Assert.True(library.IsAvailable, library.WhyUnavailable);
        Assert.True(library.Version >= OfiLibrary.MinimumVersion, library.VersionText);

        OfiProbeResult all = OfiProbe.Run(library);
        Assert.Null(all.WhyUnavailable);
        foreach (OfiProviderInfo offer in all.Offers.DistinctBy(o => o.Provider))
            log.WriteLine($"{offer.Provider}: max_msg_size {offer.MaxMessageSize}, inject_size {offer.InjectSize}, rma {offer.Rma}, mem_tag_format 0x{offer.MemTagFormat:x16}");
        Assert.Contains("net", all.Providers);
        Assert.Contains("tcp;ofi_rxm", all.Providers);
        Assert.Contains(all.Offers, o => o.Provider == "net" && o.Domain == "lo");

        foreach (string provider in new[] { "net", "tcp;ofi_rxm" })
        {
            OfiProbeResult one = OfiProbe.Run(library, provider);
            Assert.NotEmpty(one.Offers);
            // A core provider is offered alone and with utilities layered on it (net and net;ofi_rxm).
            Assert.All(one.Offers, o => Assert.StartsWith(provider, o.Provider, StringComparison.Ordinal));
            Assert.Contains(provider, one.Providers);
            Assert.Equal(provider, NetworkSelection.Decide("ofi", provider, p => OfiProbe.Run(library, p)).Provider);
            Assert.All(one.Offers, o => Assert.True(o.MaxMessageSize >= 4 << 20, $"{provider} max_msg_size {o.MaxMessageSize}"));
            // Both carry one-sided reads and writes (fi_info -v lists FI_RMA for them): the probe's second question finds it.
            Assert.Contains(one.Offers, o => o.Provider == provider && o.Rma);
        }
        Assert.Empty(OfiProbe.Run(library, "efa").Offers);

        NetworkDecision auto = NetworkSelection.Decide("auto", null, p => OfiProbe.Run(library, p));
        log.WriteLine($"auto: {auto}");
        Assert.Equal(NetworkKind.Tcp, auto.Network);
        NetworkDecision ofi = NetworkSelection.Decide("ofi", null, p => OfiProbe.Run(library, p));
        Assert.Equal((NetworkKind.Ofi, "net", (string?)null), (ofi.Network, ofi.Provider, ofi.Error));
        NetworkDecision efa = NetworkSelection.Decide("ofi", "efa", p => OfiProbe.Run(library, p));
        log.WriteLine($"ofi+efa: {efa}");
        Assert.Contains("offers no tagged RDM endpoint through 'efa'", efa.Error);
    }
}
