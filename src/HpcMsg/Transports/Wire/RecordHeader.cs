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
}

/// <summary>
/// The 48-byte header in front of every record; the payload follows it. A record is committed by
/// the single ordered store of <see cref="LengthAndKind"/>, so a reader that sees a non-zero first
/// word sees the whole record.
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
    public static int RecordBytesOf(long word) => (int)(uint)word;
    public static RecordKind KindOf(long word) => (RecordKind)(int)(word >> 32);
}
