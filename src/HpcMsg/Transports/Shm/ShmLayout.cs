using HpcMsg.Transports.Wire;
using HpcMsg.Transports;

namespace HpcMsg.Transports.Shm;

/// <summary>
/// Byte layout of the node's shared segment, one per job and node, in /dev/shm (mode 0600).
/// <code>
///  0                4096                 4096 + 128*np (to 4096)                 + 4 KiB*np
///  +----------------+--------------------+-------------------------------------+------------------------------------------------+
///  | SegmentHeader  | RankControl x np   | CollectiveSlot x np (4 KiB each)    | Ring[dst=0,src=0] Ring[0,1] ... Ring[np-1,np-1] |
///  +----------------+--------------------+-------------------------------------+------------------------------------------------+
///
///  SegmentHeader: 0 magic(8) | 8 version(4) | 12 np(4) | 16 ringCapacity(8) | 24 totalBytes(8)
///                 64 jobState(4) | 68 failedRank(4) | 72 exitCode(4)     (own cache line)
///                 192 barrierGeneration(4)  (own cache line)
///  RankControl (128 B): 0 pid(4) | 4 ready(4) | 8 finalized(4) | 12 barrierArrival(4) | 16 abandonedSends(4) | 20 barrierRounds(4)
///                      64 wakeWord(4, futex) | 68 sleeping(4) | 72 doorbellArmed(4)
///  Ring: 0 tail (producer line, 128 B) | 128 head (consumer line, 128 B) | 256 data (capacity bytes)
/// </code>
/// The ring for the ordered pair (src -> dst) is written only by src and read only by dst.
/// Ring[dst, dst] exists but is unused: self-messages never leave the process.
/// </summary>
internal static class ShmLayout
{
    public const long Magic = 0x31304753_4D435048; // "HPCMSG01" little-endian
    public const int Version = 5;
    public const int PageSize = 4096;
    public const int CacheLine = 64;

    /// <summary>A ring's unit: records start at multiples of it (half a line, so that two short
    /// records share one; see ShortEagerHeader).</summary>
    public const int RingCell = ShortEagerHeader.Alignment;

    public const int HeaderBytes = PageSize;
    public const int MagicOffset = 0;
    public const int VersionOffset = 8;
    public const int SizeOffset = 12;
    public const int RingCapacityOffset = 16;
    public const int TotalBytesOffset = 24;
    public const int JobStateOffset = 64;
    public const int FailedRankOffset = 68;
    public const int ExitCodeOffset = 72;
    public const int BarrierGenerationOffset = 192;

    public const int JobRunning = 0;
    public const int JobAborted = 1;
    public const int JobRankFailed = 2;
    public const int JobEnding = 3; // transient: a writer is filling in FailedRank and ExitCode

    public const int RankControlBytes = 128;
    public const int PidOffset = 0;
    public const int ReadyOffset = 4;
    public const int FinalizedOffset = 8;
    public const int BarrierArrivalOffset = 12;
    /// <summary>Large sends this rank abandoned after announcing them (ProgressEngine.Abandon): a
    /// cross-memory reader compares it with the count its request-to-send carried.</summary>
    public const int AbandonedSendsOffset = 16;
    /// <summary>The dissemination node barrier's count of rounds this rank has entered (written by this
    /// rank only; read by its partner of each round).</summary>
    public const int BarrierRoundsOffset = 20;
    public const int WakeWordOffset = 64;
    public const int SleepingOffset = 68;
    /// <summary>Nonzero while the rank waits on its sockets and its doorbell (see Doorbell): a waker that
    /// wakes it rings the doorbell too.</summary>
    public const int DoorbellArmedOffset = 72;

    public const int RingTailOffset = 0;
    public const int RingHeadOffset = 128;
    public const int RingDataOffset = 256;

    /// <summary>Largest per-pair ring: 128 KiB holds several eager messages in flight and a full
    /// pipeline of chunks. Shrinks with the square of np (down to 4 KiB, at 128+ ranks)
    /// so that the segment stays bounded.</summary>
    public const int MaxRingCapacity = 128 * 1024;
    public const int MinRingCapacity = 4 * 1024;
    private const long SegmentRingBudget = 64L * 1024 * 1024;

    public static int RingCapacityFor(int np)
    {
        long pairs = (long)np * np;
        long cap = MaxRingCapacity;
        while (cap > MinRingCapacity && cap * pairs > SegmentRingBudget) cap /= 2;
        return (int)cap;
    }

    public static long RankControlBase => HeaderBytes;

    /// <summary>Per-rank slot for small collectives through shared memory (one-node world only).</summary>
    public const int CollectiveSlotBytes = INodeSharedSlots.SlotBytes;

    public static long CollectiveSlotsBase(int np) => AlignUp(HeaderBytes + (long)RankControlBytes * np, PageSize);

    public static long RingsBase(int np) => CollectiveSlotsBase(np) + (long)CollectiveSlotBytes * np;

    /// <summary>Rings are cache-line aligned, not page aligned: with hundreds of ranks per node the
    /// np^2 rings would otherwise waste most of a page each.</summary>
    public static long RingStride(int ringCapacity) => AlignUp(RingDataOffset + (long)ringCapacity, CacheLine);

    public static long TotalBytes(int np, int ringCapacity) => RingsBase(np) + RingStride(ringCapacity) * np * np;

    public static long RankControlOffset(int rank) => RankControlBase + (long)RankControlBytes * rank;

    public static long RingOffset(int np, int ringCapacity, int src, int dst) =>
        RingsBase(np) + RingStride(ringCapacity) * ((long)dst * np + src);

    public static long AlignUp(long value, long alignment) => (value + alignment - 1) & ~(alignment - 1);
}
