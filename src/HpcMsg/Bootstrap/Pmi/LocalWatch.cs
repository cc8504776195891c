namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// The mechanism both watches of this node's other processes share (<see cref="LocalTaskWatch"/> while
/// Init waits under a process manager, <see cref="LocalPeerWatch"/> once the node's segment exists): a
/// background thread that takes one look every 200 ms until it finds what it watches for or the watch
/// is disposed, and a stop event that also ends the grace a watch gives the rank after a find. What is
/// watched, and what is done about a find, are the derived class's.
/// </summary>
internal abstract class LocalWatch : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(200);

    private readonly ManualResetEventSlim _stop = new(false);
    private readonly Thread _thread;

    /// <param name="threadName">The watch thread's name, as a debugger or a dump shows it.</param>
    protected LocalWatch(string threadName) =>
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };

    /// <summary>Starts the thread; the derived constructor calls it last, once <see cref="Look"/> can run.</summary>
    protected void Start() => _thread.Start();

    /// <summary>One look, on the watch thread. True when it found what it watches for and has dealt with
    /// it (the thread then ends); false to look again after the period.</summary>
    protected abstract bool Look();

    /// <summary>Waits up to <paramref name="grace"/> for the watch to be disposed; true when it was.</summary>
    protected bool StoppedWithin(TimeSpan grace) => _stop.Wait(grace);

    /// <summary>Says what was found on stderr, where the job's launcher shows it.</summary>
    protected static void Report(string message)
    {
        Console.Error.WriteLine($"hpcmsg: {message}");
        Console.Error.Flush();
    }

    private void Run()
    {
        while (!_stop.Wait(Period))
            if (Look()) return;
    }

    /// <summary>Stops watching: ends the thread (a look under way, or a grace, ends first) and then calls
    /// <see cref="OnStopped"/>.</summary>
    public void Dispose()
    {
        _stop.Set();
        if (Thread.CurrentThread != _thread) _thread.Join(2000);
        OnStopped();
    }

    /// <summary>What the derived watch still owes once stopped; nothing by default.</summary>
    protected virtual void OnStopped() { }
}
