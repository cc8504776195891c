using System.Runtime.InteropServices;

namespace HpcMsg.Internal;

/// <summary>
/// What a blocked rank sleeps on: a futex word and a count of sleepers, two ints in memory that the
/// ranks who may wake it can reach (a rank's control block in the node's shared segment, or private
/// memory for a rank without one). A waker that sees a sleeper bumps the word and wakes it; a sleeper
/// registers, checks for work once more, then waits for the word to change. The fence between a
/// waker's message and its read of the sleeper count is the caller's (see ProgressEngine.Sleep).
/// A plain pair of pointers: copying it is free and it owns nothing, except one made by
/// <see cref="AllocatePrivate"/>, which <see cref="FreePrivate"/> frees.
/// </summary>
internal readonly unsafe struct WakeSignal
{
    private const int CacheLine = 64;

    private readonly int* _word;
    private readonly int* _sleepers;

    public WakeSignal(int* word, int* sleepers)
    {
        _word = word;
        _sleepers = sleepers;
    }

    /// <summary>A signal in private memory (a rank without a shared segment: only itself wakes it),
    /// the word and the count on cache lines of their own; free it with <see cref="FreePrivate"/>.</summary>
    public static WakeSignal AllocatePrivate()
    {
        byte* block = (byte*)NativeMemory.AlignedAlloc(CacheLine * 2, CacheLine);
        NativeMemory.Clear(block, CacheLine * 2);
        return new WakeSignal((int*)block, (int*)(block + CacheLine));
    }

    /// <summary>Frees a signal made by <see cref="AllocatePrivate"/>.</summary>
    public void FreePrivate() => NativeMemory.AlignedFree(_word);

    /// <summary>The futex word: what a wait on it compares (for a wait over several objects).</summary>
    public int* Word => _word;

    /// <summary>Registers a sleeper and returns the word's value before it (what <see cref="Wait"/>
    /// compares). The increment is a full fence: it pairs with the waker's fence.</summary>
    public int BeginSleep()
    {
        int seen = Volatile.Read(ref *_word);
        Interlocked.Increment(ref *_sleepers);
        return seen;
    }

    public void EndSleep() => Interlocked.Decrement(ref *_sleepers);

    /// <summary>Sleeps until the word differs from <paramref name="seen"/>, a wake, or the timeout.</summary>
    public void Wait(int seen, int timeoutMicros) => Native.FutexWaitShared(_word, seen, timeoutMicros);

    /// <summary>Wakes the owner if it sleeps (or is about to: it registered before its last check);
    /// true if it did (the word was bumped, with a full fence).</summary>
    public bool WakeIfSleeping()
    {
        if (Volatile.Read(ref *_sleepers) == 0) return false;
        Wake();
        return true;
    }

    /// <summary>Wakes the owner whether or not it sleeps.</summary>
    public void Wake()
    {
        Interlocked.Increment(ref *_word);
        Native.FutexWakeAll(_word);
    }
}
