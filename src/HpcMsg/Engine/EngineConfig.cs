using System.Globalization;
using HpcMsg.Transports.Shm;

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

    /// <summary>HPCMSG_SPIN_POLLS: idle polls before yielding. With a core per rank, spinning ~100 us
    /// keeps ping-pong latency at memory speed; oversubscribed, spinning steals the peer's core.</summary>
    public const int DefaultSpinPolls = 4000;
    public const int DefaultSpinPollsOversubscribed = 16;

    /// <summary>HPCMSG_YIELDS: sched_yield calls after spinning, before sleeping on the futex.</summary>
    public const int DefaultYields = 64;

    /// <summary>HPCMSG_SLEEP_US: longest futex sleep. Wake-ups are explicit; the timeout only bounds
    /// how late a sleeping rank notices that the job is ending.</summary>
    public const int DefaultSleepMicros = 20_000;

    public int EagerLimit { get; init; }
    public int ChunkBytes { get; init; }
    public int SpinPolls { get; init; }
    public int Yields { get; init; }
    public int SleepMicros { get; init; }
    public bool UseCrossMemoryAttach { get; init; }

    public static EngineConfig FromEnvironment(int ringCapacity, bool oversubscribed)
    {
        // A record may take at most a quarter of the ring, so that several are always in flight.
        int maxRecordPayload = ringCapacity / 4 - RecordHeader.Size;
        return new EngineConfig
        {
            EagerLimit = Math.Min(Read("HPCMSG_EAGER_LIMIT", DefaultEagerLimit, 0, int.MaxValue), maxRecordPayload),
            ChunkBytes = maxRecordPayload,
            SpinPolls = Read("HPCMSG_SPIN_POLLS", oversubscribed ? DefaultSpinPollsOversubscribed : DefaultSpinPolls, 0, int.MaxValue),
            Yields = Read("HPCMSG_YIELDS", DefaultYields, 0, int.MaxValue),
            SleepMicros = Read("HPCMSG_SLEEP_US", DefaultSleepMicros, 100, 1_000_000),
            UseCrossMemoryAttach = Read("HPCMSG_SHM_CMA", 1, 0, 1) == 1,
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
