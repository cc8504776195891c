using System.Buffers.Binary;

namespace HpcMsg.Bootstrap;

/// <summary>
/// Two of the messages of a multi-host job's rendezvous connection (the lifeline: see
/// <see cref="LifelineFrame"/> for all of them): a rank
/// tells hpcrun that it aborts, and hpcrun tells every rank that the job is ending (who failed or
/// aborted, and the code). On one host the shared segment's job state carries the same news; a rank
/// alone on its host has no segment, so this is how its blocked call learns to throw instead of hanging.
/// Under a process manager the node leaders' ring (Transports/Tcp/NodeRing) carries the same two words
/// between neighbouring nodes: an abort's code, and a dead rank passed on by a leader that finalized.
/// 16 bytes each: magic, aborted (0/1), rank, code, little-endian.
/// </summary>
internal sealed record JobEndWord(bool Aborted, int Rank, int ExitCode)
{
    public const int Bytes = 16;

    /// <summary>hpcrun to a rank: the job is ending.</summary>
    public const int EndingMagic = 0x444E4548; // "HEND"

    /// <summary>A rank to hpcrun: it aborts (Rank is the sender's, ExitCode the abort's code).</summary>
    public const int AbortMagic = 0x54524241; // "ABRT"

    /// <summary>hpcrun vanished without a word: as <c>ThrowIfOrphaned</c> reports it on one host.</summary>
    public static readonly JobEndWord LauncherGone = new(true, -1, 1);

    public HpcMsgException ToException() => Aborted
        ? new JobAbortedException(Rank, ExitCode)
        : new RankFailedException(Rank, $"rank {Rank} failed (exit code {ExitCode}); the job is ending");

    public byte[] Encode(int magic)
    {
        var b = new byte[Bytes];
        BinaryPrimitives.WriteInt32LittleEndian(b, magic);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), Aborted ? 1 : 0);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), Rank);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(12), ExitCode);
        return b;
    }

    /// <summary>Null when the magic is not <paramref name="magic"/>.</summary>
    public static JobEndWord? Decode(ReadOnlySpan<byte> b, int magic) =>
        BinaryPrimitives.ReadInt32LittleEndian(b) != magic
            ? null
            : new JobEndWord(BinaryPrimitives.ReadInt32LittleEndian(b[4..]) != 0,
                BinaryPrimitives.ReadInt32LittleEndian(b[8..]), BinaryPrimitives.ReadInt32LittleEndian(b[12..]));
}
