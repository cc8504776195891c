using System.Globalization;
using HpcMsg.Transports.Shm;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Engine;

/// <summary>
/// Tunables of the progress engine. Each can be overridden from the environment under the HPCMSG_
/// prefix; the defaults and their reasons are here and in the README.
/// </summary>
internal sealed class EngineConfig
{
    /// <summary>HPCMSG_EAGER_LIMIT: largest message sent inline through the ring. 16 KiB: below it two
    /// memcpy of L1/L2-resident data beat the ~1.5 us fixed cost of a cross-memory read.</summary>
    public const int DefaultEagerLimit = 16 * 1024;

    /// <summary>HPCMSG_SPIN_US: microseconds of polling before a blocked call yields its core. With a
    /// core per rank, 5 ms: a futex wake-up in a VM costs up to ~1 ms, and nobody else wants the core.
    /// Oversubscribed, 0: every poll steals the core from the rank being waited for, so an idle
    /// pass yields at once (Open MPI's yield_when_idle).</summary>
    public const int DefaultSpinMicros = 5000;
    public const int DefaultSpinMicrosOversubscribed = 0;

    /// <summary>HPCMSG_YIELDS: sched_yield calls after spinning, before sleeping on the futex. With a
    /// core per rank, 64. Oversubscribed, 100,000 (tens of milliseconds): a futex sleep and wake-up
    /// costs 5-20 us here against ~1 us for a yield that hands the core to a rank with work, and the
    /// small collectives of np=4 on 2 cores were 2-4x slower for it.</summary>
    public const int DefaultYields = 64;
    public const int DefaultYieldsOversubscribed = 100_000;

    /// <summary>HPCMSG_SLEEP_US: longest futex sleep. Wake-ups are explicit; the timeout only bounds
    /// how late a sleeping rank notices that the job is ending.</summary>
    public const int DefaultSleepMicros = 20_000;

    public int EagerLimit { get; init; }

    /// <summary>HPCMSG_TCP_EAGER_LIMIT (default 64 KiB): eager messages over TCP, and the bound on what
    /// an unexpected message from another host may make a rank allocate.</summary>
    public int TcpEagerLimit { get; init; }
    public int ChunkBytes { get; init; }
    public int SpinMicros { get; init; }
    public int Yields { get; init; }
    public int SleepMicros { get; init; }
    /// <summary>HPCMSG_SHM_CMA: how messages above the eager limit cross between ranks of a node.
    /// 0 (default): pipelined chunks through the ring (two memcpy, sender and receiver copying at once);
    /// 1: one process_vm_readv by the receiver. Measured on the 2-vCPU EPYC VM (docs/benchmarks):
    /// process_vm_readv tops out at 13-16 GB/s (it pins and maps each page), the ring pipeline
    /// reaches 19-40 GB/s at 256 KiB-4 MiB. Oversubscribed (np = 4 on 2 cores) the pipeline wins too, now that a waiting rank
    /// yields its core at once: 64 KiB-1 MiB collectives 0.5-0.9x the time of the single copy,
    /// 4 MiB bandwidth 1.2x.</summary>
    public bool UseCrossMemoryAttach { get; init; }

    /// <summary>HPCMSG_ASYMMETRIC_FENCE (default 1): a rank about to sleep issues a membarrier(2)
    /// across the node instead of every sender fencing after each message; 0 restores the sender's
    /// fence. Either way the kernel is asked first, and a refusal falls back to the fence.</summary>
    public bool AsymmetricFence { get; init; }

    /// <summary>More ranks on this node than cores (hpcrun --oversubscribe): waits yield the core.</summary>
    public bool Oversubscribed { get; init; }

    public static EngineConfig FromEnvironment(int ringCapacity, bool oversubscribed)
    {
        // A record may take at most a quarter of the ring less a cell, so that four are in flight
        // beside the free cell the ring keeps after its newest record.
        int maxRecordPayload = ringCapacity / 4 - ShmLayout.CacheLine - RecordHeader.Size;
        return new EngineConfig
        {
            EagerLimit = Math.Min(Read("HPCMSG_EAGER_LIMIT", DefaultEagerLimit, 0, int.MaxValue), maxRecordPayload),
            ChunkBytes = maxRecordPayload,
            TcpEagerLimit = Read("HPCMSG_TCP_EAGER_LIMIT", 64 * 1024, 0, 16 * 1024 * 1024),
            SpinMicros = Read("HPCMSG_SPIN_US", oversubscribed ? DefaultSpinMicrosOversubscribed : DefaultSpinMicros, 0, int.MaxValue),
            Yields = Read("HPCMSG_YIELDS", oversubscribed ? DefaultYieldsOversubscribed : DefaultYields, 0, int.MaxValue),
            SleepMicros = Read("HPCMSG_SLEEP_US", DefaultSleepMicros, 100, 1_000_000),
            UseCrossMemoryAttach = Read("HPCMSG_SHM_CMA", 0, 0, 1) == 1,
            Oversubscribed = oversubscribed,
            AsymmetricFence = Read("HPCMSG_ASYMMETRIC_FENCE", 1, 0, 1) == 1,
        };
    }

    private static int Read(string name, int fallback, int min, int max)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw new HpcMsgException($"environment variable {name}='{text}' is invalid: expected an integer in [{min}, {max}]");
        return v;
    }
}
