using System.Runtime.InteropServices;

namespace HpcMsg.Transports.Wire;

/// <summary>What a record in a ring carries.</summary>
internal enum RecordKind
{
    None = 0,
    /// <summary>A whole small message, payload inline.</summary>
    Eager = 1,
    /// <summary>Request to send a large message: Token1 = sender's buffer address, Token2 = send id.</summary>
    Rts = 2,
    /// <summary>Clear to send (ring pipeline): Token1 = send id, Token2 = receive id.</summary>
    Cts = 3,
    /// <summary>One chunk of a pipelined large message: Token1 = receive id, Token2 = byte offset.</summary>
    Data = 4,
    /// <summary>The receiver is done with the sender's buffer: Token1 = send id.</summary>
    Fin = 5,
    /// <summary>Filler up to the end of the ring, so that no record wraps.</summary>
    Pad = 6,
    /// <summary>TCP only: the sender finalizes; the end of stream that follows is orderly.</summary>
    Bye = 7,
    /// <summary>TCP only: the sender called Abort: Token1 = its error code. The job is ending.</summary>
    Abort = 8,
    /// <summary>Shared memory only: a whole small message behind the 16-byte <see cref="ShortEagerHeader"/>.</summary>
    ShortEager = 9,
    /// <summary>Shared memory only: a request-to-send (as <see cref="Rts"/>) from a sender that has large
    /// messages to other ranks of the node in flight, so that the receiver reads it once rather than
    /// asking this sender to stream it (see ProgressEngine.StartRendezvousReceive).</summary>
    RtsFromBusySender = 10,
}

/// <summary>
/// The 48-byte header in front of every record (but an eager message in a ring, which has the
/// <see cref="ShortEagerHeader"/>); the payload follows it. A record is committed by the single
/// ordered store of <see cref="LengthAndKind"/>, so a reader that sees a non-zero first word sees the
/// whole record.
/// <code>
///  0 LengthAndKind (8: record bytes in the low half, kind in the high half)
///  8 Context (4) | 12 Source (4, rank in the communicator) | 16 Tag (4) | 20 reserved (4)
/// 24 MessageBytes (8) | 32 Token1 (8) | 40 Token2 (8) | 48 payload...
/// </code>
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal struct RecordHeader
{
    public const int Size = 48;

    [FieldOffset(0)] public long LengthAndKind;
    [FieldOffset(8)] public int Context;
    [FieldOffset(12)] public int Source;
    [FieldOffset(16)] public int Tag;
    /// <summary>Request-to-send on shared memory: the sender's abandoned-send count when it wrote
    /// it (see ShmLayout.AbandonedSendsOffset); otherwise unused.</summary>
    [FieldOffset(20)] public int Reserved;
    [FieldOffset(24)] public long MessageBytes;
    [FieldOffset(32)] public long Token1;
    [FieldOffset(40)] public long Token2;

    public static long Pack(int recordBytes, RecordKind kind) => (uint)recordBytes | ((long)kind << 32);
    /// <summary>The record's bytes: the low half of the first word, but for a
    /// <see cref="RecordKind.ShortEager"/> record, which keeps its message's bytes there.</summary>
    public static int RecordBytesOf(long word) =>
        KindOf(word) == RecordKind.ShortEager ? ShortEagerHeader.RecordBytesFor(ShortEagerHeader.MessageBytesOf(word)) : (int)(uint)word;

    /// <summary>The kind: bits 32-39 of the first word (a short record keeps its source above them).</summary>
    public static RecordKind KindOf(long word) => (RecordKind)(byte)((ulong)word >> 32);

    /// <summary>Bits 40-63 of the first word, zero in every record but a short one.</summary>
    public static bool HasHighBits(long word) => (ulong)word >> 40 != 0;
}

/// <summary>
/// The header of a small message in a shared-memory ring: 16 bytes where <see cref="RecordHeader"/>
/// takes 48, so that a message of up to 16 bytes is a 32-byte record and two of them share a cache
/// line. A stream of small messages is bound by the lines the sender must take back from the reader's
/// cache, one at a time: with a line per message the sender posted a message each 200-250 ns with
/// the ranks on cores that share no cache, where Open MPI, whose fast box packs records at 32 bytes,
/// needed half that.
/// <code>
///  0 first word: message bytes (low 32) | kind ShortEager (8) | source, the rank in the communicator (high 24)
///  8 Context (4) | 12 Tag (4) | 16 payload...
/// </code>
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal struct ShortEagerHeader
{
    public const int Size = 16;

    /// <summary>The largest source rank the header holds (24 bits): shared memory refuses a larger job.</summary>
    public const int MaxSource = (1 << 24) - 1;

    /// <summary>A short record's granularity: the ring's cell.</summary>
    public const int Alignment = 32;

    [FieldOffset(0)] public long Word;
    [FieldOffset(8)] public int Context;
    [FieldOffset(12)] public int Tag;

    public static long Pack(int messageBytes, int source) =>
        (uint)messageBytes | ((long)RecordKind.ShortEager << 32) | ((long)source << 40);

    public static int MessageBytesOf(long word) => (int)(uint)word;
    public static int SourceOf(long word) => (int)((ulong)word >> 40);
    /// <summary>One cell for a message of up to 16 bytes, else whole lines (as every larger record:
    /// see RingProducer.TryClaim).</summary>
    public static int RecordBytesFor(int messageBytes) =>
        Size + messageBytes <= Alignment ? Alignment : (Size + messageBytes + LineBytes - 1) & -LineBytes;

    private const int LineBytes = 64;
}
