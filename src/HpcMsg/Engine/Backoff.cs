namespace HpcMsg.Engine;

/// <summary>
/// How a blocked call waits: poll, then yield the core, then sleep on this rank's futex until a
/// peer's record or freed ring space wakes it. Oversubscribed ranks poll only briefly, because
/// every poll steals the core from the rank they wait for.
/// </summary>
internal struct Backoff
{
    private readonly int _spinPolls;
    private readonly int _yieldUntil;
    private int _idle;

    public Backoff(EngineConfig config)
    {
        _spinPolls = config.SpinPolls;
        _yieldUntil = config.SpinPolls + config.Yields;
        _idle = 0;
    }

    public void Reset() => _idle = 0;

    public void Idle(ProgressEngine engine, Request? awaited = null)
    {
        int n = ++_idle;
        if (n <= _spinPolls)
        {
            Thread.SpinWait(4);
        }
        else if (n <= _yieldUntil)
        {
            Thread.Yield();
        }
        else
        {
            engine.Sleep(awaited);
        }
    }
}
