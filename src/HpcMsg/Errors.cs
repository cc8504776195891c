namespace HpcMsg;

/// <summary>Base of every error HpcMsg raises for a failed communication.</summary>
public class HpcMsgException : Exception
{
    /// <summary>An error with a message that says what failed.</summary>
    public HpcMsgException(string message) : base(message) { }
    /// <summary>An error with a message and the exception that caused it.</summary>
    public HpcMsgException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A message was longer than the receive buffer. The message has been consumed.</summary>
public sealed class MessageTruncatedException : HpcMsgException
{
    /// <summary>A message of <paramref name="messageBytes"/> from <paramref name="source"/> did not fit <paramref name="bufferBytes"/>.</summary>
    public MessageTruncatedException(int source, int tag, long messageBytes, long bufferBytes)
        : base($"message from rank {source} with tag {tag} has {messageBytes} bytes but the receive buffer holds only {bufferBytes} bytes; the message was consumed and truncated")
    {
        SourceRank = source;
        Tag = tag;
        MessageBytes = messageBytes;
        BufferBytes = bufferBytes;
    }

    /// <summary>Rank of the sender, in the receiving communicator.</summary>
    public int SourceRank { get; }
    /// <summary>Tag of the message.</summary>
    public int Tag { get; }
    /// <summary>Size of the message in bytes.</summary>
    public long MessageBytes { get; }
    /// <summary>Size of the receive buffer in bytes.</summary>
    public long BufferBytes { get; }
}

/// <summary>A peer died or its connection broke while this rank depended on it.</summary>
public sealed class RankFailedException : HpcMsgException
{
    /// <summary>Rank <paramref name="rank"/> failed; <paramref name="message"/> says how.</summary>
    public RankFailedException(int rank, string message) : base(message) { FailedRank = rank; }
    /// <summary>The rank that failed.</summary>
    public int FailedRank { get; }
}

/// <summary>Another rank called <see cref="Communicator.Abort"/>; the job is ending.</summary>
public sealed class JobAbortedException : HpcMsgException
{
    /// <summary>Rank <paramref name="rank"/> aborted the job with <paramref name="errorCode"/>.</summary>
    public JobAbortedException(int rank, int errorCode)
        : base($"the job was aborted by rank {rank} with error code {errorCode}")
    {
        AbortingRank = rank;
        ErrorCode = errorCode;
    }

    /// <summary>The rank that called Abort.</summary>
    public int AbortingRank { get; }
    /// <summary>The code it passed to Abort, which hpcrun exits with.</summary>
    public int ErrorCode { get; }
}
