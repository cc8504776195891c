namespace HpcMsg;

/// <summary>Base of every error HpcMsg raises for a failed communication.</summary>
public class HpcMsgException : Exception
{
    public HpcMsgException(string message) : base(message) { }
    public HpcMsgException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A message was longer than the receive buffer. The message has been consumed.</summary>
public sealed class MessageTruncatedException : HpcMsgException
{
    public MessageTruncatedException(int source, int tag, long messageBytes, long bufferBytes)
        : base($"message from rank {source} with tag {tag} has {messageBytes} bytes but the receive buffer holds only {bufferBytes} bytes; the message was consumed and truncated")
    {
        SourceRank = source;
        Tag = tag;
        MessageBytes = messageBytes;
        BufferBytes = bufferBytes;
    }

    public int SourceRank { get; }
    public int Tag { get; }
    public long MessageBytes { get; }
    public long BufferBytes { get; }
}

/// <summary>A peer died or its connection broke while this rank depended on it.</summary>
public sealed class RankFailedException : HpcMsgException
{
    public RankFailedException(int rank, string message) : base(message) { FailedRank = rank; }
    public int FailedRank { get; }
}

/// <summary>Another rank called <see cref="Communicator.Abort"/>; the job is ending.</summary>
public sealed class JobAbortedException : HpcMsgException
{
    public JobAbortedException(int rank, int errorCode)
        : base($"the job was aborted by rank {rank} with error code {errorCode}")
    {
        AbortingRank = rank;
        ErrorCode = errorCode;
    }

    public int AbortingRank { get; }
    public int ErrorCode { get; }
}
