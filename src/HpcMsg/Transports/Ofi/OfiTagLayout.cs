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
/// <para>
/// The transport's own traffic (kind 1, all that travels today: <see cref="OfiTransport"/>) carries the
/// job key (<see cref="JobKey"/>, 43 bits of a hash of the job secret) where kind 0 has its context, and
/// a record's tag carries the rest of it in the tag bits:
/// <code>
///  63 | 62 | 61          | 60 ...... 50   | 49 ... 32          | 31 ... 0
///  0  | 1  | 0 record    | key bits 42-32 | source world rank  | key bits 31-0
///  0  | 1  | 1 payload   | key bits 42-32 | source world rank  | receive id (low 32 bits)
/// </code>
/// A stray from another job (a stale address reused) then never matches a payload's receive, and a
/// record receive, which ignores the source and key bits so that strays do not pile up unmatched in the
/// provider, drops it and counts it.
/// </para>
/// </summary>
internal static class OfiTagLayout
{
    public const int Bits = 63;
    public const int KindShift = 62, ContextShift = 50, SourceShift = 32;
    public const int MaxKind = 1, MaxContext = (1 << 12) - 1, MaxSource = (1 << 18) - 1;

    private const ulong SourceMask = (ulong)MaxSource << SourceShift;

    /// <summary>Bits of the job key: 11 in the transport tags' bits 50-60, 32 in a record tag's bits 0-31.</summary>
    public const int KeyBits = 43;
    public const int KeyHighShift = 50;
    public const ulong KeyMask = (1UL << KeyBits) - 1;

    /// <summary>Where the key's bits 32-42 sit in every transport tag.</summary>
    public const ulong KeyHighMask = ((1UL << (KeyBits - 32)) - 1) << KeyHighShift;

    /// <summary>The job key's bits, as they sit in a record's tag (bits 50-60 and 0-31).</summary>
    public static ulong RecordKeyBits(ulong key) => ((key >> 32) << KeyHighShift) & KeyHighMask | (uint)key;

    /// <summary>The job key's bits as they sit in a payload's tag (bits 50-60).</summary>
    public static ulong PayloadKeyBits(ulong key) => ((key >> 32) << KeyHighShift) & KeyHighMask;

    /// <summary>The ignore mask of a record receive: any source, any key (checked after the match).</summary>
    public const ulong RecordIgnore = SourceMask | KeyHighMask | 0xFFFF_FFFFUL;

    /// <summary>The key a record's tag carries.</summary>
    public static ulong KeyOfRecord(ulong tag) => ((tag & KeyHighMask) >> KeyHighShift) << 32 | (uint)tag;

    /// <summary>The job's key: 43 bits of SHA-256 over a label and the job secret (0 without a secret:
    /// a job on one host, or a test).</summary>
    public static ulong JobKey(ReadOnlySpan<byte> secret)
    {
        if (secret.IsEmpty) return 0;
        ReadOnlySpan<byte> label = "hpcmsg libfabric tag key\0"u8;
        byte[] input = new byte[label.Length + secret.Length];
        label.CopyTo(input);
        secret.CopyTo(input.AsSpan(label.Length));
        byte[] hash = System.Security.Cryptography.SHA256.HashData(input);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(hash) & KeyMask;
    }
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
