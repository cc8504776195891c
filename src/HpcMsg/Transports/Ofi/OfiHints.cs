using System.Runtime.InteropServices;
using System.Text;

namespace HpcMsg.Transports.Ofi;

/// <summary>
/// What HpcMsg asks of a provider, as fi_getinfo hints (the probe and the endpoint ask the same):
/// reliable datagram endpoints (FI_EP_RDM) with tagged messages (FI_TAGGED), one address vector
/// indexed by peer (FI_AV_TABLE), one thread at a time per domain (the engine's lock) and the mode
/// bits FI_CONTEXT and FI_CONTEXT2 (we pass a pinned fi_context2 with every operation, as Open MPI's
/// mtl/ofi and MPICH's ch4 ofi netmod do). Memory registration: FI_MR_LOCAL, FI_MR_VIRT_ADDR, FI_MR_ALLOCATED
/// and FI_MR_PROV_KEY are accepted: where the provider keeps FI_MR_LOCAL in its answer (verbs;ofi_rxm, efa),
/// the endpoint registers the buffers it posts and passes their descriptors (<see cref="OfiEndpoint.RegistersLocal"/>);
/// the other three concern only remote access (RMA), which the transport does not expose. FI_MR_ENDPOINT
/// (regions bound to an endpoint, cxi) is not accepted.
/// </summary>
internal static unsafe class OfiHints
{
    /// <summary>Hints for tagged RDM endpoints of <paramref name="provider"/> (null: any); with
    /// <paramref name="rma"/>, also one-sided reads and writes (for the probe's question whether a provider
    /// could carry large messages by RMA: a provider answers with the capabilities asked for, not all it has);
    /// <paramref name="extraCaps"/>: more to ask for (the endpoint asks for FI_SOURCE where offered).</summary>
    public static FiInfo* Create(OfiLibrary library, string? provider, bool rma = false, ulong extraCaps = 0)
    {
        FiInfo* hints = library.AllocInfo();
        hints->Caps = OfiConstants.FiTagged | (rma ? OfiConstants.FiRmaAll : 0) | extraCaps;
        hints->Mode = OfiConstants.FiContext | OfiConstants.FiContext2;
        hints->EpAttr->Type = OfiConstants.FiEpRdm;
        hints->DomainAttr->Threading = OfiConstants.FiThreadDomain;
        hints->DomainAttr->AvType = OfiConstants.FiAvTable;
        hints->DomainAttr->MrMode = OfiConstants.FiMrLocal | OfiConstants.FiMrVirtAddr | OfiConstants.FiMrAllocated | OfiConstants.FiMrProvKey;
        if (provider is not null) hints->FabricAttr->ProvName = MallocString(provider);
        return hints;
    }

    /// <summary>fi_freeinfo frees the hints' strings with free(): they must come from malloc, which on
    /// Unix is what NativeMemory.Alloc is.</summary>
    private static byte* MallocString(string text)
    {
        int n = Encoding.UTF8.GetByteCount(text);
        byte* p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(text, new Span<byte>(p, n));
        p[n] = 0;
        return p;
    }
}
