using HpcMsg.Tests.Infrastructure;
using HpcMsg.Transports.Ofi;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Ofi;

/// <summary>
/// The C# mirrors of libfabric's structures and operation tables against the installed headers:
/// tools/ofi-layout/ofi_layout.c is compiled with cc and prints every size and offset; each must equal
/// the C# one (C field names without underscores, case aside, are the C# names), and every C# field
/// must be printed, so that neither side has a field the other lacks. The same for the constants of
/// <see cref="OfiConstants"/> (the program prints each macro's or enumerator's value; C names without
/// underscores are the C# names): the wait object, the control command and the errors the wait relies on
/// are checked like every other.
/// </summary>
public sealed class OfiLayoutTests(ITestOutputHelper log)
{
    private static readonly Dictionary<string, Type> Mirrors = new()
    {
        ["fi_tx_attr"] = typeof(FiTxAttr), ["fi_rx_attr"] = typeof(FiRxAttr), ["fi_ep_attr"] = typeof(FiEpAttr),
        ["fi_domain_attr"] = typeof(FiDomainAttr), ["fi_fabric_attr"] = typeof(FiFabricAttr), ["fi_info"] = typeof(FiInfo),
        ["fi_cq_attr"] = typeof(FiCqAttr), ["fi_av_attr"] = typeof(FiAvAttr), ["fi_cq_tagged_entry"] = typeof(FiCqTaggedEntry),
        ["fi_cq_err_entry"] = typeof(FiCqErrEntry), ["fi_context2"] = typeof(FiContext2),
        ["fi_ops"] = typeof(FiOps), ["fid"] = typeof(Fid), ["fi_ops_fabric"] = typeof(FiOpsFabric), ["fid_fabric"] = typeof(FidFabric),
        ["fi_ops_domain"] = typeof(FiOpsDomain), ["fid_domain"] = typeof(FidDomain), ["fi_ops_mr"] = typeof(FiOpsMr), ["fid_mr"] = typeof(FidMr), ["fi_ops_ep"] = typeof(FiOpsEp),
        ["fi_ops_cm"] = typeof(FiOpsCm), ["fi_ops_tagged"] = typeof(FiOpsTagged), ["fid_ep"] = typeof(FidEp),
        ["fi_ops_av"] = typeof(FiOpsAv), ["fid_av"] = typeof(FidAv), ["fi_ops_cq"] = typeof(FiOpsCq), ["fid_cq"] = typeof(FidCq),
    };

    /// <summary>OfiConstants' fields that are not one C constant: composed here, or FI_VERSION(1, 17).</summary>
    private static readonly string[] Composed = [nameof(OfiConstants.ApiVersion), nameof(OfiConstants.FiRmaAll)];

    [OfiHeadersFact]
    public void Every_mirrored_field_has_the_offset_and_size_of_the_header()
    {
        NativeLayoutCheck.Result r = NativeLayoutCheck.Run(OfiSupport.CCompiler ?? "cc", "tools/ofi-layout/ofi_layout.c", [], Mirrors, typeof(OfiConstants), Composed);
        log.WriteLine($"{r.Layouts} sizes and offsets compared for {Mirrors.Count} structures, and {r.Constants} constants");
        Assert.True(r.Mismatches.Count == 0, string.Join('\n', r.Mismatches));
        Assert.True(r.Layouts > 200, $"only {r.Layouts} lines from ofi_layout");
    }
}
