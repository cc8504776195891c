using System.Buffers.Binary;

namespace HpcMsg.Bootstrap;

/// <summary>
/// The frames of the lifeline, the connection between a rank and hpcrun's rendezvous that stays open
/// for the whole job, after the handshake that proves the job secret (<see cref="JobAuth"/>). Every
/// frame begins with a header of four little-endian 32-bit words: a magic that names the frame, then
/// three words whose meaning the magic fixes; the two frames with a body say its length in the header,
/// so a reader always knows where the next frame begins:
/// <code>
///  rank -> hpcrun   PUBL | endpoint bytes | 0 | 0            + the endpoint (UTF-8)      once, first
///                   LOOK | request id | first rank | count   the endpoints of ranks first, first + 1, ...
///                                                            (count of them, modulo the job's size)
///                   ABRT | 1 | rank | code                   this rank aborts (<see cref="JobEndWord"/>)
///  hpcrun -> rank   REDY | ranks in the job | 0 | 0          every rank has published (the Init barrier)
///                   ANSR | request id | status | body bytes  + count x (length (4) | UTF-8 endpoint)
///                                                            (status Found), or the reason (Refused)
///                   HEND | aborted | rank | code             the job is ending (<see cref="JobEndWord"/>)
/// </code>
/// After PUBL a rank sends nothing but 16-byte frames, so hpcrun skips one it does not know (and logs
/// it) without losing its place. A rank checks every frame of hpcrun's; one it cannot place (an
/// unknown magic, a body beyond its bound) ends the lifeline as if hpcrun had gone. Answers carry the
/// request's id: a rank may have many lookups outstanding (it dials several peers at once), and hpcrun
/// answers each rank's requests in their order, between its other frames. See docs/scaling.md.
/// </summary>
internal static class LifelineFrame
{
    /// <summary>Bytes of every frame's header (and of every frame without a body).</summary>
    public const int HeaderBytes = 16;

    /// <summary>A rank to hpcrun, first: its endpoint.</summary>
    public const int PublishMagic = 0x4C425550; // "PUBL"

    /// <summary>A rank to hpcrun: the endpoints of a run of ranks.</summary>
    public const int LookupMagic = 0x4B4F4F4C; // "LOOK"

    /// <summary>hpcrun to a rank: every rank has published; lookups are answered from now on.</summary>
    public const int ReadyMagic = 0x59444552; // "REDY"

    /// <summary>hpcrun to a rank: the answer to one lookup.</summary>
    public const int AnswerMagic = 0x52534E41; // "ANSR"

    /// <summary>An answer's status: the endpoints follow.</summary>
    public const int Found = 0;

    /// <summary>An answer's status: hpcrun refused the request; the reason follows (UTF-8).</summary>
    public const int Refused = 1;

    /// <summary>The longest reason a refusal carries.</summary>
    public const int MaxReasonBytes = 1024;

    public static byte[] Header(int magic, int a, int b, int c)
    {
        var frame = new byte[HeaderBytes];
        WriteHeader(frame, magic, a, b, c);
        return frame;
    }

    public static void WriteHeader(Span<byte> to, int magic, int a, int b, int c)
    {
        BinaryPrimitives.WriteInt32LittleEndian(to, magic);
        BinaryPrimitives.WriteInt32LittleEndian(to[4..], a);
        BinaryPrimitives.WriteInt32LittleEndian(to[8..], b);
        BinaryPrimitives.WriteInt32LittleEndian(to[12..], c);
    }

    public static int Magic(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadInt32LittleEndian(header);

    /// <summary>Word 1, 2 or 3 of a header (after the magic).</summary>
    public static int Word(ReadOnlySpan<byte> header, int index) => BinaryPrimitives.ReadInt32LittleEndian(header[(4 * index)..]);

    /// <summary>The most body bytes an answer of <paramref name="count"/> endpoints may have.</summary>
    public static long MaxAnswerBody(int count) => Math.Max((long)count * (4 + RendezvousServer.MaxEndpointBytes), MaxReasonBytes);

    /// <summary>The text of a refusal, cut to <see cref="MaxReasonBytes"/>.</summary>
    public static byte[] Reason(string text)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return bytes.Length <= MaxReasonBytes ? bytes : bytes[..MaxReasonBytes];
    }
}
