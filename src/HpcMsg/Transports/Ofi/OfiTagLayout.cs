namespace HpcMsg.Transports.Ofi;

/// <summary>
/// How HpcMsg's matching fields fill libfabric's tag (after Open MPI's mtl/ofi, which packs protocol
/// bits, the communicator id, the source rank and the MPI tag the same way). 63 bits, since net and
/// some tcp;ofi_rxm endpoints match only 63 (mem_tag_format 0x5555555555555555); bit 63 stays 0:
/// <code>
///  63 | 62   | 61 ........ 50 | 49 ............ 32 | 31 .................. 0
///  0  | kind | context (12)   | source rank (18)   | tag (32)
/// </code>
/// kind: 0 an application message (eager data, or later the header of a large one); 1 the transport's
/// own traffic (later: rendezvous data and acknowledgements, whose other 62 bits it defines). context: the
/// communicator's context id (ContextIds has 2048 slots; 12 bits leave room for the collective and
/// point-to-point pair). source: the sender's rank in the job (262,144 ranks). tag: the tag as an
/// unsigned 32-bit value, so that the negative tags of collectives keep bit 31 set.
/// A receive from any source ignores the source bits; one with any tag ignores tag bits 0-30 only, so
/// it never matches a collective's negative tag (as MPI_ANY_TAG must not). The endpoint refuses a
/// provider that matches fewer than <see cref="Bits"/> bits.
/// </summary>
internal static class OfiTagLayout
{
    public const int Bits = 63;
    public const int KindShift = 62, ContextShift = 50, SourceShift = 32;
    public const int MaxKind = 1, MaxContext = (1 << 12) - 1, MaxSource = (1 << 18) - 1;

    private const ulong SourceMask = (ulong)MaxSource << SourceShift;
    private const ulong NonNegativeTagMask = 0x7FFF_FFFFUL;

    public static ulong Make(int kind, int context, int source, int tag)
    {
        if ((uint)kind > MaxKind) throw new ArgumentOutOfRangeException(nameof(kind), kind, $"0..{MaxKind}");
        if ((uint)context > MaxContext) throw new ArgumentOutOfRangeException(nameof(context), context, $"0..{MaxContext}");
        if ((uint)source > MaxSource) throw new ArgumentOutOfRangeException(nameof(source), source, $"0..{MaxSource}");
        return ((ulong)kind << KindShift) | ((ulong)context << ContextShift) | ((ulong)source << SourceShift) | (uint)tag;
    }

    /// <summary>The ignore mask of fi_trecv for a receive's wildcards.</summary>
    public static ulong Ignore(bool anySource, bool anyTag) =>
        (anySource ? SourceMask : 0) | (anyTag ? NonNegativeTagMask : 0);

    public static int Kind(ulong tag) => (int)(tag >> KindShift);

    public static int Context(ulong tag) => (int)(tag >> ContextShift) & MaxContext;

    public static int Source(ulong tag) => (int)(tag >> SourceShift) & MaxSource;

    public static int Tag(ulong tag) => unchecked((int)(uint)tag);

    /// <summary>How many tag bits a provider matches, from its mem_tag_format (0 means all 64).</summary>
    public static int ProviderBits(ulong memTagFormat) =>
        memTagFormat == 0 ? 64 : 64 - System.Numerics.BitOperations.LeadingZeroCount(memTagFormat);
}
