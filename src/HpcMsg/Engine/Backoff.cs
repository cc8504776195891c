using System.Diagnostics;
using System.Runtime.Intrinsics.X86;

namespace HpcMsg.Engine;

/// <summary>
/// How a blocked call waits: poll for a while, then yield the core, then sleep on this rank's futex
/// until a peer's record or freed ring space wakes it. The poll phase is timed, not counted: with a
/// core per rank it lasts milliseconds, because a futex wake-up in a VM can cost ~1 ms and there is
/// nobody to give the core to; oversubscribed, it lasts a few microseconds, because every poll steals
/// the core from the rank being waited for.
/// </summary>
internal struct Backoff
{
    private const int PollsBetweenClockReads = 64;
    /// <summary>Polls of a wait that pause not at all: about a microsecond of polling, what a small
    /// message's round trip takes. A pause costs 25-28 ns on the AMD EPYC (Zen 4) VMs we measure on
    /// (more on Intel since Skylake): a record that lands during one is noticed that much later, on
    /// average half of it, a tenth of the 8-byte one-way latency. Beyond them, a pause a poll.</summary>
    private const int PollsWithoutPause = 128;
    private readonly long _spinTicks;
    private readonly int _yields;
    private long _idleSince;
    private int _polls;
    private int _yielded;

    public Backoff(EngineConfig config)
    {
        _spinTicks = config.SpinMicros * Stopwatch.Frequency / 1_000_000;
        _yields = config.Yields;
        _idleSince = 0;
        _polls = 0;
        _yielded = 0;
    }

    public void Reset()
    {
        _idleSince = 0;
        _polls = 0;
        _yielded = 0;
    }

    /// <summary>One idle step of a wait: a pause while the poll phase lasts, then a yield of the core, then a sleep on the futex.</summary>
    /// <param name="engine">The engine that checks the job state while yielding and owns the futex to sleep on.</param>
    /// <param name="awaited">Optional: the request the caller waits for, passed to the sleep so that its completion wakes it.</param>
    /// <param name="watchWord">Optional: a word whose change from <paramref name="watchValue"/> is what the caller waits for.</param>
    /// <param name="watchValue">The value of <paramref name="watchWord"/> that means "keep waiting".</param>
    public unsafe void Idle(ProgressEngine engine, Operation? awaited = null, int* watchWord = null, int watchValue = 0)
    {
        if (_yielded == 0 && _spinTicks > 0)
        {
            if (_idleSince == 0) _idleSince = Stopwatch.GetTimestamp();
            if (++_polls % PollsBetweenClockReads != 0 || Stopwatch.GetTimestamp() - _idleSince < _spinTicks)
            {
                // One pause, not Thread.SpinWait(n): a normalised spin-wait unit is ~35 ns here, and
                // a record that lands during the wait is noticed that much later (half the 8-byte latency).
                // None at all at first (PollsWithoutPause).
                if (_polls <= PollsWithoutPause) return;
                if (X86Base.IsSupported) X86Base.Pause();
                else Thread.SpinWait(1);
                return;
            }
        }
        if (_yielded < _yields)
        {
            // Polls without the lock skip the job-state check; a long yield phase makes it here.
            if ((++_yielded & 255) == 0) engine.CheckJobState();
            Thread.Yield();
            return;
        }
        engine.Sleep(awaited, watchWord, watchValue);
    }
}
