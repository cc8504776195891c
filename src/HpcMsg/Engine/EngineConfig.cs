using HpcMsg.Configuration;

namespace HpcMsg.Engine;

/// <summary>
/// Tunables of the progress engine. Each is an HPCMSG_ parameter, declared with its default and the
/// reason for it in <see cref="Parameters"/> (and the README's table).
/// </summary>
internal sealed class EngineConfig
{
    public int EagerLimit { get; init; }

    /// <summary>HPCMSG_TCP_EAGER_LIMIT (default 64 KiB): eager messages over TCP, and the bound on what
    /// an unexpected message from another host may make a rank allocate.</summary>
    public int TcpEagerLimit { get; init; }
    /// <summary>The piece of the node transport's pipelined large message: its largest record payload
    /// (<c>NodeTransport.MaxRecordPayload</c>), which the transport uses itself; here for tests and
    /// reports. 0 without a node transport.</summary>
    public int ChunkBytes { get; init; }
    public int SpinMicros { get; init; }
    public int Yields { get; init; }
    public int SleepMicros { get; init; }
    /// <summary>HPCMSG_SHM_CMA (default 1): messages of at least <see cref="CrossMemoryAttachBytes"/>
    /// between ranks of a node are copied once by the receiver (process_vm_readv); 0: every message above
    /// the eager limit is pipelined through the ring. The reason for the default, measured, is the
    /// parameter's (<see cref="Parameters.ShmCma"/>).</summary>
    public bool UseCrossMemoryAttach { get; init; }

    /// <summary>HPCMSG_SHM_CMA_BYTES: the smallest message copied once when <see cref="UseCrossMemoryAttach"/>;
    /// rendezvous messages below it take the ring pipeline.</summary>
    public long CrossMemoryAttachBytes { get; init; }

    /// <summary>HPCMSG_SHM_LARGE_PATH: how a message of at least <see cref="CrossMemoryAttachBytes"/>
    /// between ranks of a node travels. Unset: <see cref="LargeMessagePath.Auto"/>, but the single copy
    /// when oversubscribed (a pipeline needs both ranks on a core at once); always the pipeline with
    /// HPCMSG_SHM_CMA=0.</summary>
    public LargeMessagePath LargePath { get; init; }

    /// <summary>HPCMSG_ASYMMETRIC_FENCE (default 1): a rank about to sleep issues a membarrier(2)
    /// across the node instead of every sender fencing after each message; 0 restores the sender's
    /// fence. Either way the kernel is asked first, and a refusal falls back to the fence.</summary>
    public bool AsymmetricFence { get; init; }

    /// <summary>More ranks on this node than cores (hpcrun --oversubscribe): waits yield the core.</summary>
    public bool Oversubscribed { get; init; }

    /// <summary>The tunables from the registry. <paramref name="maxRecordPayload"/>: the largest payload
    /// of one record of the node transport (<c>NodeTransport.MaxRecordPayload</c>), which bounds the
    /// eager limit and is the pipeline's chunk; null for a rank without one (the composition root
    /// passes the bound a node transport would have, so that the eager limit is the same everywhere).</summary>
    public static EngineConfig FromEnvironment(int? maxRecordPayload, bool oversubscribed)
    {
        return new EngineConfig
        {
            EagerLimit = (int)Math.Min(Parameters.EagerLimit.Read(), maxRecordPayload ?? int.MaxValue),
            ChunkBytes = maxRecordPayload ?? 0,
            TcpEagerLimit = Parameters.TcpEagerLimit.ReadInt(),
            SpinMicros = oversubscribed ? Parameters.SpinMicros.ReadInt(Parameters.SpinMicrosOversubscribed) : Parameters.SpinMicros.ReadInt(),
            Yields = oversubscribed ? Parameters.Yields.ReadInt(Parameters.YieldsOversubscribed) : Parameters.Yields.ReadInt(),
            SleepMicros = Parameters.SleepMicros.ReadInt(),
            UseCrossMemoryAttach = Parameters.ShmCma.Read(),
            LargePath = ReadLargePath(oversubscribed),
            CrossMemoryAttachBytes = Parameters.ShmCmaBytes.Read(),
            Oversubscribed = oversubscribed,
            AsymmetricFence = Parameters.AsymmetricFence.Read(),
        };
    }

    /// <summary>HPCMSG_SHM_LARGE_PATH as it applies: the pipeline whenever HPCMSG_SHM_CMA=0 (single copies
    /// off), which a request for the single copy contradicts.</summary>
    internal static LargeMessagePath ReadLargePath(bool oversubscribed, Func<string, string?>? environment = null)
    {
        LargeMessagePath? chosen = Parameters.ShmLargePath.Read(environment);
        if (!Parameters.ShmCma.Read(environment))
        {
            if (chosen == LargeMessagePath.SingleCopy)
                throw new HpcMsgException($"{Parameters.ShmLargePath.Name}=single_copy needs single copies, which {Parameters.ShmCma.Name}=0 turns off");
            return LargeMessagePath.Pipeline;
        }
        return chosen ?? (oversubscribed ? LargeMessagePath.SingleCopy : LargeMessagePath.Auto);
    }
}
