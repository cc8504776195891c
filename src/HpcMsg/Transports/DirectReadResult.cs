namespace HpcMsg.Transports;

/// <summary>How a direct read of an announced large message (a transport reading the sender's memory
/// itself: cross-memory attach today, RDMA read later) ended.</summary>
internal enum DirectReadResult
{
    /// <summary>The message is in the target buffer.</summary>
    Read,
    /// <summary>The sender abandoned a send meanwhile: what was read may be stale; ask for the stream.</summary>
    SenderAbandoned,
    /// <summary>The transport may not read the sender's memory here: use the stream from now on.</summary>
    NotPermitted,
    /// <summary>The read failed otherwise (errno says why).</summary>
    Failed,
}
