using System.Diagnostics;
using HpcMsg.Transports.Ofi;

namespace HpcMsg.TestApp.Ofi;

/// <summary>Collects an endpoint's completions (one receive and a count of sends at a time, as the
/// ping-pong needs), spinning on the CQ or sleeping on its file descriptor between polls, and counts how
/// often a sleep was woken (the fd works) or ran out (it did not). Fails when nothing happens for
/// <paramref name="limit"/>.</summary>
internal sealed class OfiCompletionPump(OfiEndpoint endpoint, bool sleepOnFd, TimeSpan limit)
{
    private const int SleepMs = 200;
    private readonly long _limitTicks = (long)(limit.TotalSeconds * Stopwatch.Frequency);
    private long _lastEvent = Stopwatch.GetTimestamp();
    private int _sendsDone;
    private OfiCompletion? _received;

    public int Woken { get; private set; }
    public int TimedOut { get; private set; }

    /// <summary>Waits until <paramref name="sends"/> more send completions and, when
    /// <paramref name="receive"/>, a receive completion have come; returns the receive's.</summary>
    public OfiCompletion WaitFor(int sends, bool receive)
    {
        _lastEvent = Stopwatch.GetTimestamp();
        while (_sendsDone < sends || (receive && _received is null))
        {
            if (Progress() == 0 && sleepOnFd)
            {
                if (endpoint.Wait(SleepMs)) Woken++;
                else TimedOut++;
            }
        }
        _sendsDone -= sends;
        OfiCompletion r = receive ? _received!.Value : default;
        if (receive) _received = null;
        return r;
    }

    /// <summary>Polls once (a provider that answered -FI_EAGAIN to a post needs this to move on);
    /// returns how many completions came.</summary>
    public int Progress()
    {
        Span<OfiCompletion> batch = stackalloc OfiCompletion[4];
        int n = endpoint.Poll(batch);
        for (int i = 0; i < n; i++)
        {
            OfiCompletion c = batch[i];
            if (c.Error != 0)
                throw new InvalidOperationException($"operation failed: error {c.Error}, tag {c.Tag:x16}, length {c.Length}, overflow {c.OverflowLength}");
            if (!c.IsReceive) _sendsDone++;
            else if (_received is null) _received = c;
            else throw new InvalidOperationException($"a second receive completed (tag {c.Tag:x16}) before the first was taken");
        }
        if (n > 0) _lastEvent = Stopwatch.GetTimestamp();
        else if (Stopwatch.GetTimestamp() - _lastEvent > _limitTicks)
            throw new TimeoutException($"nothing completed for {limit.TotalSeconds:F0} s ({_sendsDone} sends done, receive {(_received is null ? "pending" : "done")})");
        return n;
    }
}
