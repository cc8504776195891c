using HpcMsg.Internal;
using HpcMsg.Transports;

namespace HpcMsg.Engine;

/// <summary>Blocking, sleeping and waking, the await pump, and noticing that the job is ending.</summary>
internal sealed unsafe partial class ProgressEngine
{
    private Thread? _pump;
    private readonly ManualResetEventSlim _pumpSignal = new(false);
    private int _awaiters;
    private volatile bool _stopping;
    private long _lastLauncherCheck;

    /// <summary>Drives progress once; true if <paramref name="r"/> has completed.</summary>
    public bool ProgressFor(Operation r) => ProgressFor(r, r.Generation);

    /// <summary>Drives progress once; true if <paramref name="r"/>, taken at <paramref name="generation"/>,
    /// has completed (or finished and been released since).</summary>
    public bool ProgressFor(Operation r, int generation)
    {
        if (r.IsDone(generation)) return true;
        Progress();
        return r.IsDone(generation);
    }

    /// <summary>One progress pass; true if it did something.</summary>
    public bool Progress()
    {
        using (_lock.EnterScope())
        {
            ThrowIfJobEnding();
            return ProgressLocked();
        }
    }

    public void WaitFor(Operation r) => WaitFor(r, r.Generation);

    /// <summary>Waits until <paramref name="r"/>, taken at <paramref name="generation"/>, has completed
    /// (or finished and been released since: another thread waited for the same handle).</summary>
    public void WaitFor(Operation r, int generation) => WaitFor(r, generation, blocking: false);

    /// <summary><see cref="WaitFor(Operation, int)"/>; <paramref name="blocking"/>: the wait of a
    /// blocking call (<see cref="WaitOrAbandon"/>), which returns as soon as <paramref name="r"/> has
    /// completed, so that its passes stop draining a sender's records once it has (see
    /// IRecordSink.OnRecord); a wait for one of several requests drains them all.</summary>
    private void WaitFor(Operation r, int generation, bool blocking)
    {
        var backoff = new Backoff(Config);
        while (!r.IsDone(generation))
        {
            if (!MayHaveWork())
            {
                // Nothing has arrived and nothing waits to go out: poll again without the lock.
                backoff.Idle(this, r);
                continue;
            }
            bool progressed;
            using (_lock.EnterScope())
            {
                ThrowIfJobEnding();
                progressed = ProgressLocked(blocking ? r : null);
            }
            if (r.IsDone(generation)) return;
            if (progressed) backoff.Reset(); else backoff.Idle(this, r);
        }
    }

    /// <summary>Registers an await continuation on <paramref name="r"/> (taken at
    /// <paramref name="generation"/>); false if it has completed meanwhile (the caller runs it).
    /// Under the lock, because completions happen under it: a continuation is either seen by the
    /// completion or refused here, and none is left on an operation after it went back to the pool.</summary>
    public bool TrySetContinuation(Operation r, int generation, Action continuation)
    {
        AwaiterRegistered();
        bool set;
        using (_lock.EnterScope()) set = r.TrySetContinuationLocked(generation, continuation);
        if (!set) AwaiterCompleted();
        return set;
    }

    /// <summary>Progress until nothing waits for room at a transport (pending sends are flushed).</summary>
    public void Flush()
    {
        var backoff = new Backoff(Config);
        while (true)
        {
            bool progressed;
            using (_lock.EnterScope())
            {
                ThrowIfJobEnding();
                progressed = ProgressLocked();
                if (OutboundIdle) return;
            }
            if (progressed) backoff.Reset(); else backoff.Idle(this);
        }
    }

    /// <summary>Sleeps on this rank's futex until woken or the timeout, unless there is work. A rank
    /// with other transports waits once over what each of them gave (<see cref="ITransport.CollectWaits"/>):
    /// collected under the lock, because a transport may ask its library whether it may block now
    /// (libfabric's fi_trywait), which must not race that library's progress on another thread.</summary>
    internal void Sleep(Operation? awaited, int* watchWord = null, int watchValue = 0)
    {
        int seen = _signal.BeginSleep(); // a full fence: pairs with WakeIfSleeping
        // Every waker skips its fence when this is on: make each of them pass one now, so that a
        // record it wrote before it read our flag is visible to the check below. Failure (not seen
        // after a successful registration) leaves the futex timeout as the bound on a lost wake-up.
        if (_asymmetricFence) Native.GlobalMembarrier();
        WaitSet? set = null;
        try
        {
            bool work;
            using (_lock.EnterScope())
            {
                ThrowIfJobEnding();
                work = ProgressLocked() || IncomingPending();
                if (!work && _networks.Length > 0)
                {
                    // One wait over what every transport gave: descriptors (peers on other hosts wake
                    // us through them), and whether node peers wake us through the futex word.
                    set = t_waitSet ??= new WaitSet();
                    set.Clear();
                    foreach (ITransport t in _transports) t.CollectWaits(set);
                }
            }
            ThrowIfOrphaned();
            if (work || (awaited is not null && awaited.CompletedFlag)) return;
            if (watchWord != null && Volatile.Read(ref *watchWord) != watchValue) return;
            if (set is null) _signal.Wait(seen, Config.SleepMicros);
            else set.Wait(_signal, seen, Config.SleepMicros);
        }
        finally
        {
            // Whatever ended the wait (or skipped it), what was armed for it is disarmed.
            if (set is not null)
            {
                foreach (ITransport t in _transports) t.AfterWait(set);
            }
            _signal.EndSleep();
        }
    }

    /// <summary>A lock-free hint that a progress pass could do something: a record from a node peer,
    /// an item waiting for room, or a network transport with work. The job state is still checked by
    /// every pass and by <see cref="Sleep"/>, which a quiet wait reaches after its spin.</summary>
    private bool MayHaveWork()
    {
        if (Volatile.Read(ref _pendingDestinations) > 0 || IncomingPending()) return true;
        foreach (ITransport t in _networks)
        {
            if (t.MayHaveWork) return true;
        }
        return false;
    }

    private bool IncomingPending()
    {
        return _node is not null && _node.HasIncoming();
    }

    internal void CheckJobState()
    {
        using (_lock.EnterScope()) ThrowIfJobEnding();
        ThrowIfOrphaned();
    }

    /// <summary>Turns "the job is ending" into an exception in the blocked call instead of a hang.</summary>
    private void ThrowIfJobEnding()
    {
        if (_disposed) throw new ObjectDisposedException("Communicator", "the world communicator has been disposed (finalized)");
        if (_node is not null && !_node.JobRunning) ThrowJobEnding();
        if (_networks.Length > 0 && RemoteJobEnding() is { } ending) throw ending;
    }

    /// <summary>True once this rank knows that the job is ending (a failed or aborting rank, or a
    /// broken connection): finalize then skips its collective steps, which could never complete.</summary>
    internal bool JobEndingKnown
    {
        get
        {
            if (_node is not null && !_node.JobRunning) return true;
            if (_networks.Length == 0) return false;
            using (_lock.EnterScope())
            {
                foreach (ITransport t in _networks)
                {
                    if (t.FailedPeers.Count > 0) return true;
                }
                return RemoteJobEnding() is not null;
            }
        }
    }

    /// <summary>hpcrun gone without a word (its ranks normally die with it): checked where a wait
    /// turns idle (yields, sleeps), not on every call, where the clock read cost ~10 ns a message.</summary>
    private void ThrowIfOrphaned()
    {
        if (_launcherPid > 0)
        {
            long now = Environment.TickCount64;
            if (now - _lastLauncherCheck > 500)
            {
                _lastLauncherCheck = now;
                if (!Native.ProcessExists(_launcherPid))
                    throw new JobAbortedException(-1, 1);
            }
        }
    }

    /// <summary>The throw site of a job that ends (kept out of line: the hot check stays small).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void ThrowJobEnding() =>
        throw _node!.JobEndingError()?.ToPublic() ?? new HpcMsgException($"rank {WorldRank}: the job is ending"); // the word does not go back to running

    internal void AwaiterRegistered()
    {
        Interlocked.Increment(ref _awaiters);
        if (_pump is null)
        {
            lock (_pumpSignal)
            {
                if (_pump is null)
                {
                    _pump = new Thread(PumpLoop) { IsBackground = true, Name = "HpcMsg progress" };
                    _pump.Start();
                }
            }
        }
        _pumpSignal.Set();
    }

    internal void AwaiterCompleted() => Interlocked.Decrement(ref _awaiters);

    /// <summary>Drives progress while some request is awaited, so that no thread blocks per await.</summary>
    private void PumpLoop()
    {
        var backoff = new Backoff(Config);
        while (!_stopping)
        {
            if (Volatile.Read(ref _awaiters) == 0)
            {
                _pumpSignal.Reset();
                if (Volatile.Read(ref _awaiters) == 0) _pumpSignal.Wait(100);
                continue;
            }
            try
            {
                bool progressed;
                using (_lock.EnterScope())
                {
                    ThrowIfJobEnding();
                    progressed = ProgressLocked();
                }
                if (progressed) backoff.Reset(); else backoff.Idle(this);
            }
            catch (ObjectDisposedException) when (_disposed)
            {
                return; // finalized
            }
            catch (Exception e)
            {
                // The job is ending (or progress failed): fail what is awaited so that no await hangs,
                // and keep pumping, so that an await started later fails too instead of hanging.
                using (_lock.EnterScope()) FailAllPending(e);
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>Completes every unfinished request with <paramref name="error"/>. Caller holds the lock.</summary>
    private void FailAllPending(Exception error)
    {
        Operation? r;
        while ((r = _posted.TakeFirst()) is not null) r.Complete(default, error);
        foreach (Operation pending in _rendezvous.Values)
        {
            if (!pending.CompletedFlag) pending.Complete(default, error);
        }
        _rendezvous.Clear();
        foreach (OutboundQueue q in _pending)
        {
            for (int i = 0; i < q.Count; i++)
            {
                if (q[i].Operation is { CompletedFlag: false } req) req.Complete(default, error);
            }
            q.Clear();
        }
        _pendingDestinations = 0;
    }

    private void StopPump()
    {
        _stopping = true;
        _pumpSignal.Set();
        _pump?.Join(1000);
    }
}
