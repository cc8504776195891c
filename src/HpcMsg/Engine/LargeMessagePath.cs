namespace HpcMsg.Engine;

/// <summary>How a large message between two ranks of a node travels (HPCMSG_SHM_LARGE_PATH), from
/// HPCMSG_SHM_CMA_BYTES on; below that, and wherever the kernel refuses a pair its reads, the pipeline.</summary>
internal enum LargeMessagePath
{
    /// <summary>The receiver chooses per message: the single copy when the sender has large messages to
    /// other ranks of the node in flight, else the pipeline (see ProgressEngine.PreferSingleCopy).</summary>
    Auto,
    /// <summary>Read once by the receiver (process_vm_readv).</summary>
    SingleCopy,
    /// <summary>Streamed by the sender through the ring in chunks, the receiver copying out as they come.</summary>
    Pipeline,
}
