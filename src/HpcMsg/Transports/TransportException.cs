namespace HpcMsg.Transports;

/// <summary>What kind of failure a transport reports (<see cref="TransportException"/>).</summary>
internal enum TransportFailureKind : byte
{
    /// <summary>The transport cannot work (setup, resources, a broken protocol): the caller fails.</summary>
    Error,
    /// <summary>A peer died or its connection broke (<see cref="TransportException.Rank"/>).</summary>
    PeerLost,
    /// <summary>A rank aborted the job (<see cref="TransportException.Rank"/>, with <see cref="TransportException.Code"/>).</summary>
    JobAborted,
}

/// <summary>
/// A failure as a transport reports it: thrown out of a transport, returned by
/// <see cref="ITransport.PeerFailure"/> and <see cref="ITransport.JobEndingError"/>, and thrown by the
/// engine's sink into a transport for a frame that breaks the protocol. Transports name no type of the
/// API, so they never build the library's public exceptions; the engine (and <c>Communicator.Init</c>,
/// for a transport's setup) turns one into the public exception at its boundary, with the same message:
/// <see cref="TransportFailureKind.PeerLost"/> a <c>RankFailedException</c>,
/// <see cref="TransportFailureKind.JobAborted"/> a <c>JobAbortedException</c>, and
/// <see cref="TransportFailureKind.Error"/> an <c>HpcMsgException</c> (with the same inner exception).
/// </summary>
internal sealed class TransportException : Exception
{
    private TransportException(TransportFailureKind kind, int rank, int code, string message, Exception? inner)
        : base(message, inner)
    {
        Kind = kind;
        Rank = rank;
        Code = code;
    }

    public TransportFailureKind Kind { get; }

    /// <summary>The rank lost (<see cref="TransportFailureKind.PeerLost"/>) or that aborted; -1 otherwise.</summary>
    public int Rank { get; }

    /// <summary>The abort's error code (<see cref="TransportFailureKind.JobAborted"/>); 0 otherwise.</summary>
    public int Code { get; }

    /// <summary>The transport cannot go on; <paramref name="message"/> says why.</summary>
    public static TransportException Error(string message, Exception? inner = null) =>
        new(TransportFailureKind.Error, -1, 0, message, inner);

    /// <summary>World rank <paramref name="rank"/> is gone; <paramref name="message"/> says how.</summary>
    public static TransportException PeerLost(int rank, string message) =>
        new(TransportFailureKind.PeerLost, rank, 0, message, null);

    /// <summary>Rank <paramref name="rank"/> aborted the job with <paramref name="code"/>.</summary>
    public static TransportException JobAborted(int rank, int code) =>
        new(TransportFailureKind.JobAborted, rank, code, $"the job was aborted by rank {rank} with error code {code}", null);

    /// <summary>The job is ending: rank <paramref name="rank"/> aborted with <paramref name="code"/>, or
    /// failed with exit code <paramref name="code"/> (the launcher's word, or the node segment's state).</summary>
    public static TransportException JobEnding(bool aborted, int rank, int code) => aborted
        ? JobAborted(rank, code)
        : PeerLost(rank, $"rank {rank} failed (exit code {code}); the job is ending");
}
