using System.Buffers;
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
    internal readonly ProgressEngine Engine;

    /// <summary>The engine's state of the operation (an engine type embedded by value: no second allocation).</summary>
    internal RequestState State;

    // Pinning of a managed buffer by the API call that posted it, released at completion.
    internal MemoryHandle Pin;
    internal bool Pinned;

    private volatile bool _completed;
    private Completion _outcome;
    private ExceptionDispatchInfo? _error; // captured once: every rethrow shows the original stack, then its own
    private Action? _continuation;

    internal Request(ProgressEngine engine) => Engine = engine;

    /// <summary>True once the operation has finished (successfully or not). A plain read: it drives
    /// no progress and never throws, not even for a failed request or a job that is ending (use
    /// <see cref="Test"/> or <see cref="Wait"/> to make progress and see the error).</summary>
    public bool IsCompleted => _completed;

    internal bool CompletedFlag => _completed;

    internal void Reset(RequestKind kind, int context, int peer, int tag, int elementSize, byte* buffer, long bytes, int peerWorld = -1)
    {
        State.Reset(kind, context, peer, tag, elementSize, buffer, bytes, peerWorld);
        _outcome = default;
        _error = null;
        _continuation = null;
        _completed = false;
    }

    /// <summary>Called by the engine, under its lock.</summary>
    internal void Complete(in Completion outcome, Exception? error)
    {
        if (State.Abandoned)
        {
            // The transfer this request was part of has ended; its caller was told long ago.
            if (State.OwnsBuffer)
            {
                System.Runtime.InteropServices.NativeMemory.Free(State.Buffer);
                State.OwnsBuffer = false;
            }
            State.Buffer = null;
            return;
        }
        _outcome = outcome;
        // An error made here, never thrown, gets the engine's stack now, so that its rethrow (Result)
        // shows where it was found; a caught one keeps the stack of its throw.
        if (error is not null && error.StackTrace is null) ExceptionDispatchInfo.SetCurrentStackTrace(error);
        _error = error is null ? null : ExceptionDispatchInfo.Capture(error);
        if (Pinned)
        {
            Pin.Dispose();
            Pinned = false;
        }
        _completed = true;
        Action? continuation = Interlocked.Exchange(ref _continuation, null);
        if (continuation is not null)
        {
            Engine.AwaiterCompleted();
            ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
        }
    }

    /// <summary>Blocks until the operation completes; throws what the operation failed with.</summary>
    public Status Wait()
    {
        if (!_completed) Engine.WaitFor(this);
        return Result();
    }

    /// <summary>Completes-or-not without blocking; drives progress.</summary>
    public bool Test(out Status status)
    {
        if (!_completed && !Engine.ProgressFor(this))
        {
            status = default;
            return false;
        }
        status = Result();
        return true;
    }

    /// <summary>The status, or the failure rethrown with its original stack trace (and this call's after it).</summary>
    internal Status Result() => new(Outcome());

    /// <summary>What the engine said, or the failure rethrown (see <see cref="Result"/>).</summary>
    internal Completion Outcome()
    {
        _error?.Throw();
        return _outcome;
    }

    /// <summary>The failure, for rethrowing later with its original stack (<c>Error?.Throw()</c>).</summary>
    internal ExceptionDispatchInfo? Error => _error;

    /// <summary>Waits for every request; throws the first failure after all have finished.</summary>
    public static void WaitAll(params Request[] requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ExceptionDispatchInfo? first = null;
        foreach (Request r in requests)
        {
            if (r is null) continue;
            if (!r._completed) r.Engine.WaitFor(r);
            first ??= r._error;
        }
        first?.Throw();
    }

    /// <summary>Waits until one request completes and returns its index (-1 when there is none).</summary>
    public static int WaitAny(params Request[] requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ProgressEngine? engine = null;
        foreach (Request r in requests)
        {
            if (r is not null) { engine = r.Engine; break; }
        }
        if (engine is null) return -1;
        int index = engine.WaitForAny(requests);
        requests[index].Result();
        return index;
    }

    /// <summary>True when every request has completed; drives progress once.</summary>
    public static bool TestAll(params Request[] requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        bool all = true;
        foreach (Request r in requests)
        {
            if (r is null) continue;
            if (!r._completed && !r.Engine.ProgressFor(r)) all = false;
        }
        if (!all) return false;
        foreach (Request r in requests) r?.Result();
        return true;
    }

    /// <summary>Makes the request awaitable: <c>Status s = await request;</c> completes without blocking a thread per request.</summary>
    public RequestAwaiter GetAwaiter() => new(this);

    /// <summary>Registers an await continuation; returns false if the request completed meanwhile.</summary>
    internal bool TrySetContinuation(Action continuation)
    {
        Engine.AwaiterRegistered();
        Interlocked.Exchange(ref _continuation, continuation);
        if (_completed && Interlocked.Exchange(ref _continuation, null) is not null)
        {
            Engine.AwaiterCompleted();
            return false;
        }
        return true;
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
