namespace HpcMsg.Transports.Ofi;

/// <summary>
/// The rule that picks the network between hosts from HPCMSG_NETWORK and HPCMSG_OFI_PROVIDER:
/// <list type="bullet">
/// <item><c>tcp</c>: HpcMsg's own TCP transport.</item>
/// <item><c>ofi</c>: libfabric; the provider HPCMSG_OFI_PROVIDER names, or else the first fabric
/// provider libfabric offers, or else the first socket provider (<see cref="SoftwarePreference"/>).
/// Nothing usable is an error naming what was tried.</item>
/// <item><c>auto</c> (the default): ofi when a fabric provider (one whose core is not a socket or
/// shared-memory emulation, <see cref="IsSoftware"/>) offers tagged RDM endpoints, else tcp: the
/// software providers are no faster than our TCP, and shm reaches no other host. With
/// HPCMSG_OFI_PROVIDER set, auto means ofi with that provider.</item>
/// </list>
/// The probe is a function so that tests can hand in provider lists of machines we do not have; Init
/// will pass the two variables and <c>p =&gt; OfiProbe.Run(OfiLibrary.Shared, p)</c>.
/// </summary>
internal static class NetworkSelection
{
    /// <summary>The two variables' names, as the registry declares them.</summary>
    public static string NetworkVariable => Configuration.Parameters.Network.Name;

    public static string ProviderVariable => Configuration.Parameters.OfiProvider.Name;

    /// <summary>Core providers that emulate a fabric over sockets or shared memory. The issue names
    /// tcp, sockets and net; udp (under ofi_rxd) is a socket emulation too, and shm never leaves the node.</summary>
    private static readonly string[] SoftwareCores = ["tcp", "sockets", "net", "udp", "shm"];

    /// <summary>With HPCMSG_NETWORK=ofi and only software providers: the fastest first (fi_pingpong here:
    /// net 9 µs, tcp;ofi_rxm 549 µs across a veth pair). shm is not in it: it reaches no other host.</summary>
    private static readonly string[] SoftwarePreference = ["net", "tcp;ofi_rxm", "sockets", "udp;ofi_rxd"];

    /// <summary>Whether <paramref name="provider"/> ("core" or "core;utility[;...]") runs on a
    /// software core. A utility layered on a fabric core (verbs;ofi_rxm) is a fabric provider.</summary>
    public static bool IsSoftware(string provider) =>
        SoftwareCores.Contains(provider.Split(';')[0].Trim(), StringComparer.OrdinalIgnoreCase);

    public static NetworkDecision Decide(string? network, string? provider, Func<string?, OfiProbeResult> probe)
    {
        string mode = string.IsNullOrWhiteSpace(network) ? "auto" : network.Trim().ToLowerInvariant();
        string? forced = string.IsNullOrWhiteSpace(provider) ? null : provider.Trim();
        switch (mode)
        {
            case "tcp":
                return new NetworkDecision(NetworkKind.Tcp, null,
                    forced is null ? $"{NetworkVariable}=tcp" : $"{NetworkVariable}=tcp ({ProviderVariable}={forced} is ignored)");
            case "ofi":
                return forced is null ? AnyProvider(probe(null)) : Forced($"{NetworkVariable}=ofi", forced, probe(forced));
            case "auto":
                return forced is null ? Auto(probe(null)) : Forced($"{NetworkVariable}=auto", forced, probe(forced));
            default:
                return new NetworkDecision(NetworkKind.Tcp, null, string.Empty,
                    $"{NetworkVariable} must be auto, tcp or ofi, not '{network}'");
        }
    }

    private static NetworkDecision Auto(OfiProbeResult probe)
    {
        if (probe.WhyUnavailable is string why)
            return new NetworkDecision(NetworkKind.Tcp, null, $"auto: libfabric is not usable ({why})");
        string? fabric = probe.Providers.FirstOrDefault(p => !IsSoftware(p));
        if (fabric is not null)
            return new NetworkDecision(NetworkKind.Ofi, fabric,
                $"auto: {probe.Library} offers tagged RDM endpoints through {fabric} (offered: {Offered(probe)})");
        return new NetworkDecision(NetworkKind.Tcp, null, probe.Providers.Count == 0
            ? $"auto: {probe.Library} offers no tagged RDM endpoint"
            : $"auto: {probe.Library} offers tagged RDM endpoints only through socket or shared-memory providers ({Offered(probe)}), which HpcMsg's TCP matches");
    }

    private static NetworkDecision AnyProvider(OfiProbeResult probe)
    {
        if (probe.WhyUnavailable is string why)
            return Failed($"{NetworkVariable}=ofi but libfabric is not usable: {why}");
        string? fabric = probe.Providers.FirstOrDefault(p => !IsSoftware(p));
        if (fabric is not null)
            return new NetworkDecision(NetworkKind.Ofi, fabric, $"{NetworkVariable}=ofi: the first fabric provider of {probe.Library} (offered: {Offered(probe)})");
        string? software = SoftwarePreference.FirstOrDefault(s => probe.Providers.Contains(s, StringComparer.OrdinalIgnoreCase));
        if (software is not null)
            return new NetworkDecision(NetworkKind.Ofi, software, $"{NetworkVariable}=ofi: no fabric provider, so the socket provider {software} (offered: {Offered(probe)})");
        return Failed($"{NetworkVariable}=ofi but {probe.Library} offers no provider of tagged RDM endpoints that reaches other hosts "
            + $"(tried every provider; offered: {Offered(probe)}; set {ProviderVariable} or use {NetworkVariable}=tcp)");
    }

    private static NetworkDecision Forced(string setting, string forced, OfiProbeResult probe)
    {
        if (probe.WhyUnavailable is string why)
            return Failed($"{setting} with {ProviderVariable}={forced} but libfabric is not usable: {why}");
        if (probe.Offers.Count == 0)
            return Failed($"{setting} with {ProviderVariable}={forced} but {probe.Library} offers no tagged RDM endpoint through '{forced}' "
                + $"(see `fi_info -p '{forced}' -t FI_EP_RDM -c FI_TAGGED`)");
        // Asked for "net", libfabric also offers utilities layered on it ("net;ofi_rxm"): the name asked for wins.
        string chosen = probe.Providers.FirstOrDefault(p => string.Equals(p, forced, StringComparison.OrdinalIgnoreCase)) ?? probe.Providers[0];
        return new NetworkDecision(NetworkKind.Ofi, chosen, $"{setting}, {ProviderVariable}={forced}: {probe.Library} offers {string.Join(", ", probe.Providers)}");
    }

    private static string Offered(OfiProbeResult probe) =>
        probe.Providers.Count == 0 ? "none" : string.Join(", ", probe.Providers);

    private static NetworkDecision Failed(string error) => new(NetworkKind.Ofi, null, string.Empty, error);
}
