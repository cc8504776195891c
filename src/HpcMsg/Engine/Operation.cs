using System.Buffers;
using System.Runtime.ExceptionServices;

namespace HpcMsg.Engine;

/// <summary>
/// One send or receive as the engine sees it: its protocol state (<see cref="RequestState"/>) and its
/// completion (outcome, error, the pin of a managed buffer, an await continuation). The engine names
/// only this type; the API's public <c>Request</c> is a handle on one.
/// <para>Why pooled (<see cref="ProgressEngine.RentOperation"/>, <see cref="ProgressEngine.ReleaseOperation"/>)
/// rather than one per request: the public request cannot derive from an engine type (an internal
/// base of a public class) and must not embed the engine's state, so a non-blocking call would
/// allocate two objects. Reusing operations keeps it at one (the handle), the handle releasing its
/// operation once its caller has seen the completion and the handle has copied out what its status
/// needs. The engine holds no reference to an operation once it has completed it (it is out of every
/// queue and table first), except an abandoned one, which is never released.</para>
/// </summary>
internal sealed unsafe class Operation
{
    public readonly ProgressEngine Engine;

    /// <summary>The engine's state of the operation, reset in place when it is reused.</summary>
    public RequestState State;

    // Pinning of a managed buffer by the API call that posted it, released at completion.
    public MemoryHandle Pin;
    public bool Pinned;

    /// <summary>A receive into a managed array posted unpinned (IRecv): the array and the byte offset
    /// of the buffer in it, <c>State.Buffer</c> null. An eager message is copied in under
    /// <c>fixed</c>; a transfer that outlives one engine call pins it first (ProgressEngine.PinReceiveBuffer).
    /// Here rather than in <see cref="RequestState"/>: that struct is zeroed at every reset, and these
    /// 16 bytes took it past the size the JIT zeroes inline (the blocking receive measured ~10 ns slower).</summary>
    public object? Array;
    public nint ArrayOffset;

    /// <summary>Incremented each time the operation goes back to the pool: a handle that took it at
    /// generation g knows it finished (and may have been reused) once this differs from g.</summary>
    private volatile int _generation;
    private volatile bool _completed;
    private Completion _outcome;
    private ExceptionDispatchInfo? _error; // captured once: every rethrow shows the original stack, then its own
    private Action? _continuation;         // set and taken under the engine's lock

    /// <summary>The pool's link (<see cref="ProgressEngine.ReleaseOperation"/>).</summary>
    internal Operation? NextFree;

    public Operation(ProgressEngine engine) => Engine = engine;

    public bool CompletedFlag => _completed;

    public int Generation => _generation;

    /// <summary>Completed, or (for a handle that took it at <paramref name="generation"/>) finished and
    /// released since.</summary>
    public bool IsDone(int generation) => _completed || _generation != generation;

    public void Reset(RequestKind kind, int context, int peer, int tag, int elementSize, byte* buffer, long bytes, int peerWorld = -1)
    {
        State.Reset(kind, context, peer, tag, elementSize, buffer, bytes, peerWorld);
        Array = null;
        _outcome = default;
        _error = null;
        _continuation = null;
        _completed = false;
    }

    /// <summary>Called by the engine, under its lock. Once <c>_completed</c> is set this method
    /// touches the operation no more: an observer on another thread may release it at once.</summary>
    public void Complete(in Completion outcome, Exception? error)
    {
        if (State.NodeLargeSend) EndNodeLargeSend();
        if (State.Abandoned)
        {
            // The transfer this operation was part of has ended; its caller was told long ago.
            if (State.OwnsBuffer)
            {
                System.Runtime.InteropServices.NativeMemory.Free(State.Buffer);
                State.OwnsBuffer = false;
            }
            State.Buffer = null;
            return;
        }
        Finish(outcome, error, abandon: false);
    }

    /// <summary>Completes it with <paramref name="error"/> and marks it abandoned (ProgressEngine.Abandon), under the engine's lock.</summary>
    public void CompleteAbandoned(Exception error)
    {
        if (State.NodeLargeSend) EndNodeLargeSend();
        Finish(default, error, abandon: true);
    }

    private void EndNodeLargeSend()
    {
        State.NodeLargeSend = false;
        Engine.NodeLargeSendEnded(State.Peer);
    }

    private void Finish(in Completion outcome, Exception? error, bool abandon)
    {
        _outcome = outcome;
        // An error made here, never thrown, gets the engine's stack now, so that its rethrow shows
        // where it was found; a caught one keeps the stack of its throw.
        if (error is not null && error.StackTrace is null) ExceptionDispatchInfo.SetCurrentStackTrace(error);
        _error = error is null ? null : ExceptionDispatchInfo.Capture(error);
        if (Pinned)
        {
            Pin.Dispose();
            Pinned = false;
        }
        if (abandon) State.Abandoned = true; // from now on a completion by the protocol only releases what it holds
        Action? continuation = _continuation;
        _continuation = null;
        _completed = true; // the last write: see the summary
        if (continuation is not null)
        {
            Engine.AwaiterCompleted();
            ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
        }
    }

    /// <summary>What the engine said, or the failure rethrown with its original stack trace (and this call's after it).</summary>
    public Completion Outcome()
    {
        _error?.Throw();
        return _outcome;
    }

    /// <summary>What the engine said, without throwing (read once completed).</summary>
    public Completion RawOutcome => _outcome;

    /// <summary>The failure, for rethrowing later with its original stack (<c>Error?.Throw()</c>).</summary>
    public ExceptionDispatchInfo? Error => _error;

    /// <summary>Under the engine's lock: registers <paramref name="continuation"/> unless the
    /// operation has completed, or finished and been released since <paramref name="generation"/>.</summary>
    internal bool TrySetContinuationLocked(int generation, Action continuation)
    {
        if (IsDone(generation)) return false;
        _continuation = continuation;
        return true;
    }

    /// <summary>Back to the pool: a new generation, and no reference kept to what it finished with.</summary>
    internal void Recycle()
    {
        _error = null;
        State.Buffer = null;
        Array = null; // no reference kept to the caller's array while pooled
        _generation++;
    }
}
