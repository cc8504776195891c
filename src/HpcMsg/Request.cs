using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using HpcMsg.Engine;

namespace HpcMsg;

/// <summary>
/// A pending send or receive. Blocking calls run on the same machinery with a reused instance;
/// non-blocking calls hand one to the caller. Completion is driven by <see cref="Wait"/>,
/// <see cref="Test"/>, any other call into the library, or (while awaited) the progress pump.
/// </summary>
public sealed unsafe class Request
{
    // The API's handle on an engine operation. The operation is pooled by the engine (one allocation
    // per non-blocking call: this handle); once the caller has seen the completion (Wait, Test,
    // WaitAll, WaitAny, TestAll, await) the handle copies out what its status needs and releases the
    // operation. A handle never waited for keeps its operation until the GC takes both.
    private const int Live = 0, Harvesting = 1, Harvested = 2;

    internal readonly ProgressEngine Engine;
    private Operation? _op;          // null once harvested
    private readonly int _generation; // the operation's, when this handle took it
    private volatile int _state;
    private Completion _outcome;
    private ExceptionDispatchInfo? _error;
    // Set once the caller has been told of the completion (Wait, Test true, WaitAll, TestAll true,
    // WaitAny returning it, await): from then on WaitAny passes over it, as MPI's calls turn such a
    // request into MPI_REQUEST_NULL, so that `WaitAny` called n times on n requests returns each once.
    private volatile bool _delivered;

    /// <summary>A request complete at its birth (an eager send written at once): no operation to release.</summary>
    internal Request(ProgressEngine engine, in Completion outcome)
    {
        Engine = engine;
        _outcome = outcome;
        _state = Harvested;
    }

    internal Request(ProgressEngine engine, Operation operation)
    {
        Engine = engine;
        _op = operation;
        _generation = operation.Generation;
    }

    /// <summary>True once the operation has finished (successfully or not). A plain read: it drives
    /// no progress and never throws, not even for a failed request or a job that is ending (use
    /// <see cref="Test"/> or <see cref="Wait"/> to make progress and see the error).</summary>
    public bool IsCompleted
    {
        get
        {
            if (_state != Live) return true;
            Operation? op = _op;
            return op is null || op.IsDone(_generation);
        }
    }

    /// <summary>The engine's operation while this handle holds it (for tests: null once released).</summary>
    internal Operation? Operation => _op;

    /// <summary>Copies the outcome out of the completed operation and releases it to the engine's
    /// pool; once only, whichever thread gets here first (another waits for it to finish copying).</summary>
    private void Harvest()
    {
        if (_state == Harvested) return;
        if (Interlocked.CompareExchange(ref _state, Harvesting, Live) == Live)
        {
            Operation op = _op!;
            _outcome = op.RawOutcome;
            if (op.Error is { } error) _error = error; // no write barrier in the usual case
            _op = null;
            _state = Harvested;
            Engine.ReleaseOperation(op);
            return;
        }
        var spin = new SpinWait();
        while (_state != Harvested) spin.SpinOnce();
    }

    /// <summary>Waits for the operation without throwing its failure, then harvests it.</summary>
    internal void AwaitCompletion()
    {
        if (_state == Harvested) return;
        Operation? op = _op;
        if (op is not null && !op.IsDone(_generation)) Engine.WaitFor(op, _generation);
        Harvest();
    }

    /// <summary>Drives progress once unless completed; harvests and returns true once completed.</summary>
    private bool Poll()
    {
        if (_state == Live)
        {
            Operation? op = _op;
            if (op is not null && !Engine.ProgressFor(op, _generation)) return false;
        }
        Harvest();
        return true;
    }

    /// <summary>Blocks until the operation completes; throws what the operation failed with.</summary>
    public Status Wait()
    {
        AwaitCompletion();
        _delivered = true;
        return Result();
    }

    /// <summary>Completes-or-not without blocking; drives progress.</summary>
    public bool Test(out Status status)
    {
        if (!Poll())
        {
            status = default;
            return false;
        }
        _delivered = true;
        status = Result();
        return true;
    }

    /// <summary>The status of a completed request, or the failure rethrown with its original stack
    /// trace (and this call's after it).</summary>
    internal Status Result()
    {
        if (_state != Harvested)
        {
            if (!IsCompleted) throw new InvalidOperationException("the request has not completed");
            Harvest();
        }
        _error?.Throw();
        return new Status(_outcome);
    }

    /// <summary>The failure of a completed request (null while it runs), for rethrowing later with its
    /// original stack (<c>Error?.Throw()</c>).</summary>
    internal ExceptionDispatchInfo? Error
    {
        get
        {
            if (_state != Harvested && IsCompleted) Harvest();
            return _error;
        }
    }

    /// <summary>Waits for every request; throws the first failure after all have finished.</summary>
    public static void WaitAll(params Request[] requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ExceptionDispatchInfo? first = null;
        foreach (Request r in requests)
        {
            if (r is null) continue;
            r.AwaitCompletion();
            r._delivered = true;
            first ??= r._error;
        }
        first?.Throw();
    }

    /// <summary>Waits until one request completes and returns its index; throws what that request
    /// failed with. As MPI_Waitany: a request whose completion was already reported (by an earlier
    /// WaitAny, or Wait, Test, WaitAll, TestAll, await) counts as inactive, like MPI_REQUEST_NULL, and
    /// so does a null entry; so n calls on an array of n requests return each index once. Returns -1
    /// (MPI_UNDEFINED) when no entry is active. The returned request's <see cref="Wait"/> still gives
    /// its status.</summary>
    public static int WaitAny(params Request[] requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ProgressEngine? engine = null;
        foreach (Request r in requests)
        {
            if (r is { _delivered: false }) { engine = r.Engine; break; }
        }
        if (engine is null) return -1;
        var backoff = new Backoff(engine.Config);
        while (true)
        {
            for (int i = 0; i < requests.Length; i++)
            {
                if (requests[i] is { _delivered: false, IsCompleted: true } done)
                {
                    done.Harvest();
                    done._delivered = true;
                    done.Result();
                    return i;
                }
            }
            if (engine.Progress()) backoff.Reset(); else backoff.Idle(engine);
        }
    }

    /// <summary>True when every request has completed; drives progress once.</summary>
    public static bool TestAll(params Request[] requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        bool all = true;
        foreach (Request r in requests)
        {
            if (r is null) continue;
            if (!r.IsCompleted && !r.Poll()) all = false;
        }
        if (!all) return false;
        foreach (Request r in requests)
        {
            if (r is null) continue;
            r.Harvest();
            r._delivered = true;
        }
        foreach (Request r in requests) r?.Result();
        return true;
    }

    /// <summary>Makes the request awaitable: <c>Status s = await request;</c> completes without blocking a thread per request.</summary>
    public RequestAwaiter GetAwaiter() => new(this);

    /// <summary>Registers an await continuation; returns false if the request completed meanwhile.</summary>
    internal bool TrySetContinuation(Action continuation)
    {
        if (_state != Live) return false;
        Operation? op = _op;
        return op is not null && Engine.TrySetContinuation(op, _generation, continuation);
    }
}

/// <summary>Lets <c>await request</c> suspend without holding a thread: the engine's progress
/// pump completes the request and queues the continuation.</summary>
public readonly struct RequestAwaiter : ICriticalNotifyCompletion
{
    private readonly Request _request;

    internal RequestAwaiter(Request request) => _request = request;

    /// <summary>Whether the request has completed (the await then continues at once).</summary>
    public bool IsCompleted => _request.IsCompleted;

    /// <summary>The request's status; rethrows the error that failed it.</summary>
    public Status GetResult() => _request.Wait();

    /// <summary>Runs <paramref name="continuation"/> once the request completes.</summary>
    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    /// <summary>Runs <paramref name="continuation"/> once the request completes, without flowing the execution context.</summary>
    public void UnsafeOnCompleted(Action continuation)
    {
        if (!_request.TrySetContinuation(continuation))
            ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
    }
}
