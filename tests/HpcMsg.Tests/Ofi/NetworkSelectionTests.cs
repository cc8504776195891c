using HpcMsg.Transports.Ofi;

namespace HpcMsg.Tests.Ofi;

/// <summary>The HPCMSG_NETWORK / HPCMSG_OFI_PROVIDER rule against provider lists of machines we do not
/// have (EFA, InfiniBand) and of this one (socket providers only), and without libfabric.</summary>
public sealed class NetworkSelectionTests
{
    private static readonly string[] ThisMachine = ["tcp;ofi_rxm", "net", "net;ofi_rxm", "shm", "sockets", "udp;ofi_rxd"];

    private static OfiProbeResult Offers(params string[] providers) =>
        new(null, "libfabric.so.1 1.17", [.. providers.Select(p => new OfiProviderInfo(p, "fabric", "domain", ulong.MaxValue, 64, true, 0))]);

    private static OfiProbeResult Missing() => new("libfabric.so.1 could not be loaded (is libfabric1 installed?)", "libfabric.so.1", []);

    /// <summary>A probe that answers for one forced provider by filtering the machine's list, and records the calls.</summary>
    private static Func<string?, OfiProbeResult> Machine(List<string?> calls, params string[] providers) => forced =>
    {
        calls.Add(forced);
        return forced is null ? Offers(providers) : Offers([.. providers.Where(p => p == forced)]);
    };

    [Fact]
    public void Auto_takes_tcp_where_only_socket_and_shared_memory_providers_offer_tagged_rdm()
    {
        NetworkDecision d = NetworkSelection.Decide(null, null, Machine([], ThisMachine));
        Assert.Equal(NetworkKind.Tcp, d.Network);
        Assert.Null(d.Error);
        Assert.Contains("tcp;ofi_rxm, net, net;ofi_rxm, shm, sockets, udp;ofi_rxd", d.Reason);
        Assert.Equal(NetworkKind.Tcp, NetworkSelection.Decide("AUTO", " ", Machine([], ThisMachine)).Network);
    }

    [Theory]
    [InlineData("efa")]
    [InlineData("verbs;ofi_rxm")]
    [InlineData("cxi")]
    [InlineData("psm3")]
    [InlineData("opx")]
    public void Auto_takes_ofi_where_a_fabric_provider_is_offered_even_after_socket_ones(string fabric)
    {
        NetworkDecision d = NetworkSelection.Decide("auto", null, Machine([], ["net", "tcp;ofi_rxm", fabric, "shm"]));
        Assert.Equal(NetworkKind.Ofi, d.Network);
        Assert.Equal(fabric, d.Provider);
        Assert.Null(d.Error);
        Assert.Contains(fabric, d.Reason);
    }

    [Fact]
    public void Auto_without_libfabric_takes_tcp_and_says_why()
    {
        NetworkDecision d = NetworkSelection.Decide("auto", null, _ => Missing());
        Assert.Equal(NetworkKind.Tcp, d.Network);
        Assert.Null(d.Error);
        Assert.Contains("could not be loaded", d.Reason);
    }

    [Fact]
    public void Tcp_is_tcp_without_asking_libfabric()
    {
        var calls = new List<string?>();
        NetworkDecision d = NetworkSelection.Decide("tcp", "efa", Machine(calls, "efa"));
        Assert.Equal(NetworkKind.Tcp, d.Network);
        Assert.Empty(calls);
        Assert.Contains("HPCMSG_OFI_PROVIDER=efa is ignored", d.Reason);
    }

    [Fact]
    public void Ofi_prefers_a_fabric_provider_then_net_among_socket_ones_and_never_shm()
    {
        Assert.Equal("verbs;ofi_rxm", NetworkSelection.Decide("ofi", null, Machine([], ["tcp;ofi_rxm", "verbs;ofi_rxm"])).Provider);
        NetworkDecision d = NetworkSelection.Decide("ofi", null, Machine([], ThisMachine));
        Assert.Equal((NetworkKind.Ofi, "net", (string?)null), (d.Network, d.Provider, d.Error));
        Assert.Equal("tcp;ofi_rxm", NetworkSelection.Decide("ofi", null, Machine([], "shm", "tcp;ofi_rxm")).Provider);

        NetworkDecision shmOnly = NetworkSelection.Decide("ofi", null, Machine([], "shm"));
        Assert.NotNull(shmOnly.Error);
        Assert.Contains("offered: shm", shmOnly.Error);
        Assert.Contains("HPCMSG_OFI_PROVIDER", shmOnly.Error);
    }

    [Fact]
    public void Ofi_without_libfabric_or_without_providers_is_an_error_naming_what_was_tried()
    {
        NetworkDecision missing = NetworkSelection.Decide("ofi", null, _ => Missing());
        Assert.NotNull(missing.Error);
        Assert.Contains("HPCMSG_NETWORK=ofi", missing.Error);
        Assert.Contains("libfabric.so.1 could not be loaded", missing.Error);
        Assert.Equal(missing.Error, missing.ToString());

        NetworkDecision none = NetworkSelection.Decide("ofi", null, Machine([]));
        Assert.NotNull(none.Error);
        Assert.Contains("offered: none", none.Error);
    }

    [Theory]
    [InlineData("ofi")]
    [InlineData("auto")]
    [InlineData(null)]
    public void A_forced_provider_is_probed_alone_and_taken_or_refused_by_name(string? network)
    {
        var calls = new List<string?>();
        NetworkDecision d = NetworkSelection.Decide(network, "tcp;ofi_rxm", Machine(calls, ThisMachine));
        Assert.Equal((NetworkKind.Ofi, "tcp;ofi_rxm", (string?)null), (d.Network, d.Provider, d.Error));
        Assert.Equal(["tcp;ofi_rxm"], calls);
        Assert.Contains("HPCMSG_OFI_PROVIDER=tcp;ofi_rxm", d.Reason);

        NetworkDecision efa = NetworkSelection.Decide(network, "efa", Machine([], ThisMachine));
        Assert.NotNull(efa.Error);
        Assert.Contains("'efa'", efa.Error);
        Assert.Contains("fi_info -p 'efa'", efa.Error);

        NetworkDecision noLibrary = NetworkSelection.Decide(network, "net", _ => Missing());
        Assert.NotNull(noLibrary.Error);
        Assert.Contains("HPCMSG_OFI_PROVIDER=net", noLibrary.Error);
    }

    [Fact]
    public void A_forced_core_provider_is_taken_by_its_name_before_utilities_layered_on_it()
    {
        OfiProbeResult netAndLayered = Offers("net;ofi_rxm", "net");
        NetworkDecision d = NetworkSelection.Decide("ofi", "net", _ => netAndLayered);
        Assert.Equal("net", d.Provider);
        Assert.Contains("offers net;ofi_rxm, net", d.Reason);
    }

    [Fact]
    public void Any_other_network_value_is_an_error()
    {
        NetworkDecision d = NetworkSelection.Decide("infiniband", null, Machine([], "efa"));
        Assert.Equal("HPCMSG_NETWORK must be auto, tcp or ofi, not 'infiniband'", d.Error);
    }

    [Theory]
    [InlineData("tcp", true)]
    [InlineData("tcp;ofi_rxm", true)]
    [InlineData("net;ofi_rxm", true)]
    [InlineData("sockets", true)]
    [InlineData("udp;ofi_rxd", true)]
    [InlineData("shm", true)]
    [InlineData("NET", true)]
    [InlineData("verbs;ofi_rxm", false)]
    [InlineData("verbs;ofi_rxd", false)]
    [InlineData("efa", false)]
    [InlineData("psm2", false)]
    [InlineData("cxi", false)]
    public void Software_providers_are_known_by_their_core(string provider, bool software) =>
        Assert.Equal(software, NetworkSelection.IsSoftware(provider));
}
