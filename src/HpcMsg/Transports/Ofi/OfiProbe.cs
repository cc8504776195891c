namespace HpcMsg.Transports.Ofi;

/// <summary>What libfabric offers this process for tagged RDM endpoints.</summary>
/// <param name="WhyUnavailable">Null when the probe ran; otherwise why libfabric could not be asked.</param>
/// <param name="Library">The library's name and version, e.g. "libfabric.so.1 1.17".</param>
/// <param name="Offers">Every fi_info returned, in libfabric's order of preference.</param>
internal sealed record OfiProbeResult(string? WhyUnavailable, string Library, IReadOnlyList<OfiProviderInfo> Offers)
{
    /// <summary>The distinct provider names offered, in libfabric's order.</summary>
    public IReadOnlyList<string> Providers => [.. Offers.Select(o => o.Provider).Distinct()];
}

/// <summary>Asks fi_getinfo which providers offer FI_EP_RDM with FI_TAGGED (with the hints of
/// <see cref="OfiHints"/>), for one provider or for all; a second question with FI_RMA added tells
/// which of those offers also have one-sided reads and writes (<see cref="OfiProviderInfo.Rma"/>).</summary>
internal static unsafe class OfiProbe
{
    public static OfiProbeResult Run(OfiLibrary library, string? provider = null)
    {
        if (library.WhyUnavailable is string why) return new OfiProbeResult(why, library.Name, []);
        string name = $"{library.Name} {library.VersionText}";
        (List<OfiProviderInfo> offers, string? error) = Ask(library, provider, rma: false);
        if (error is not null) return new OfiProbeResult(error, name, []);
        (List<OfiProviderInfo> withRma, _) = Ask(library, provider, rma: true);
        var rma = withRma.Select(o => (o.Provider, o.Fabric, o.Domain)).ToHashSet();
        return new OfiProbeResult(null, name, [.. offers.Select(o => o with { Rma = rma.Contains((o.Provider, o.Fabric, o.Domain)) })]);
    }

    /// <summary>Whether <paramref name="provider"/> reports the sender of each receive (FI_SOURCE), as
    /// the endpoint asks for it: then traffic from outside the job's address vector is dropped.</summary>
    public static bool ReportsSources(OfiLibrary library, string provider)
    {
        if (library.WhyUnavailable is not null) return false;
        FiInfo* hints = OfiHints.Create(library, provider, extraCaps: OfiConstants.FiSource);
        FiInfo* list = null;
        try { return library.GetInfo(null, 0, hints, &list) == 0 && list is not null; }
        finally
        {
            library.FreeInfo(list);
            library.FreeInfo(hints);
        }
    }

    /// <summary>For <c>hpcrun --info</c>: what becomes of traffic from outside the job on <paramref name="provider"/>.</summary>
    public static string DescribeStrangers(OfiLibrary library, string provider) =>
        ReportsSources(library, provider)
            ? "dropped, counted and logged: a record must carry the job's key (from the job secret) in its tag and come from "
              + "the address-vector entry of the rank its tag names (the provider reports senders: FI_SOURCE); a host that "
              + "can spoof a job member's address on the wire is not stopped (docs/ofi.md, Security)"
            : $"only the job's key in the tag keeps it out: {provider} does not report senders (no FI_SOURCE), so a stranger "
              + "who learns the key (it travels in every tag, unencrypted) is taken for the rank its tag names (docs/ofi.md, Security)";

    /// <summary>For <c>hpcrun --info</c>: whether <paramref name="provider"/>'s buffers are registered (FI_MR_LOCAL)
    /// and what becomes of its auth_key in a job with a secret (hpcrun's always have one).</summary>
    public static string DescribeMemoryAndKey(OfiLibrary library, string provider)
    {
        OfiProviderInfo? offer = Run(library, provider).Offers.FirstOrDefault(o => o.Provider == provider);
        if (offer is null) return $"{provider} is not offered";
        string registration = offer.RequiresRegistration
            ? "buffers registered (the provider asks for FI_MR_LOCAL): the slots once, each large message's buffer for that message"
            : "buffers not registered (the provider does not ask for FI_MR_LOCAL; HPCMSG_OFI_MR_LOCAL=1 registers them anyway)";
        return $"{registration}; {OfiAuthKey.Describe(provider, offer.AuthKeySize, hasSecret: true)}";
    }

    private static (List<OfiProviderInfo> Offers, string? Error) Ask(OfiLibrary library, string? provider, bool rma)
    {
        FiInfo* hints = OfiHints.Create(library, provider, rma);
        FiInfo* list = null;
        try
        {
            int rc = library.GetInfo(null, 0, hints, &list);
            if (rc == -OfiConstants.FiENoData) return ([], null);
            if (rc != 0) return ([], $"fi_getinfo failed: {library.StrError(rc)} ({rc})");
            var offers = new List<OfiProviderInfo>();
            for (FiInfo* i = list; i is not null; i = i->Next) offers.Add(OfiProviderInfo.From(i));
            return (offers, null);
        }
        finally
        {
            library.FreeInfo(list);
            library.FreeInfo(hints);
        }
    }
}
