using System.Runtime.InteropServices;

namespace HpcMsg.Transports.Ofi;

/// <summary>One fi_info that fi_getinfo offered for tagged RDM endpoints: the provider (with its
/// layering, e.g. "tcp;ofi_rxm"), the fabric and domain (a subnet and an interface for the socket
/// providers, a NIC for hardware ones), and what bounds a single tagged send.</summary>
/// <param name="Provider">fabric_attr.prov_name, with its layering.</param>
/// <param name="Fabric">fabric_attr.name.</param>
/// <param name="Domain">domain_attr.name.</param>
/// <param name="MaxMessageSize">ep_attr.max_msg_size: the largest message one fi_tsend may carry.</param>
/// <param name="InjectSize">tx_attr.inject_size: the largest fi_tinject (no completion, buffer free at once).</param>
/// <param name="Rma">Whether FI_RMA (one-sided read and write) is among the caps (of an fi_info asked for with FI_RMA, see OfiProbe).</param>
/// <param name="MemTagFormat">ep_attr.mem_tag_format: the tag bits the provider matches.</param>
internal sealed record OfiProviderInfo(
    string Provider, string Fabric, string Domain, ulong MaxMessageSize, ulong InjectSize, bool Rma, ulong MemTagFormat)
{
    /// <summary>Whether the provider kept FI_MR_LOCAL in its answer: local buffers must be registered.</summary>
    public bool RequiresRegistration { get; init; }

    /// <summary>domain_attr.auth_key_size: the bytes of authorization key the provider takes (0: none).</summary>
    public ulong AuthKeySize { get; init; }

    public static unsafe OfiProviderInfo From(FiInfo* info) => new(
        Text(info->FabricAttr->ProvName),
        Text(info->FabricAttr->Name),
        Text(info->DomainAttr->Name),
        info->EpAttr->MaxMsgSize,
        info->TxAttr->InjectSize,
        (info->Caps & OfiConstants.FiRma) != 0,
        info->EpAttr->MemTagFormat)
    {
        RequiresRegistration = (info->DomainAttr->MrMode & OfiConstants.FiMrLocal) != 0,
        AuthKeySize = info->DomainAttr->AuthKeySize,
    };

    private static unsafe string Text(byte* s) => Marshal.PtrToStringUTF8((nint)s) ?? string.Empty;
}
