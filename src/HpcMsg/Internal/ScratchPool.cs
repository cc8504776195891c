using System.Numerics;
using System.Runtime.InteropServices;

namespace HpcMsg.Internal;

/// <summary>
/// Pooled native scratch memory for collective temporaries (reduction partners, rotations). A first
/// touch of a fresh page costs ~10 us here (2.5 ms per MiB), so a block, once touched, is kept and
/// reused rather than freed: size classes are powers of two, a few blocks per class.
/// </summary>
internal static unsafe class ScratchPool
{
    private const int MinClass = 12;   // 4 KiB
    private const int MaxClass = 40;
    private const int KeepPerClass = 4;
    private static readonly Lock s_lock = new();
    // Kept blocks per class as plain arrays (not Stack<nint>: a framework generic that neither
    // ReadyToRun image compiles, so it ran unoptimised in every short job).
    private static readonly nint[][] s_free = CreateClasses();
    private static readonly int[] s_freeCount = new int[MaxClass + 1];

    private static nint[][] CreateClasses()
    {
        var classes = new nint[MaxClass + 1][];
        for (int i = 0; i <= MaxClass; i++) classes[i] = new nint[KeepPerClass];
        return classes;
    }

    private static int ClassOf(long bytes) =>
        Math.Max(MinClass, 64 - BitOperations.LeadingZeroCount((ulong)Math.Max(1, bytes - 1)));

    // Blocks of the smallest class are also kept per thread: a small collective rents two or three,
    // and the shared pool's lock (two atomics a rent, two a return) was ~60 ns of a 0.25 us Reduce.
    private const int KeepPerThread = 4;
    [ThreadStatic] private static nint[]? t_small;
    [ThreadStatic] private static int t_smallCount;

    /// <summary>Temporaries up to this size live on the collective's own stack (<see cref="Rent(long, byte*)"/>):
    /// the per-thread cache below still cost ~25 ns a rent and return in the precompiled library
    /// (a thread-static access is a helper call there), a third of an np 2 Reduce of 4 bytes.</summary>
    public const int StackBytes = 1024;

    /// <summary><paramref name="stackBlock"/> (<see cref="StackBytes"/> of the caller's
    /// <c>stackalloc</c>) when <paramref name="bytes"/> fits in it, else a pooled block.</summary>
    public static ScratchBuffer Rent(long bytes, byte* stackBlock) =>
        bytes <= StackBytes ? new ScratchBuffer(stackBlock, ScratchBuffer.OnStack) : Rent(bytes);

    public static ScratchBuffer Rent(long bytes)
    {
        int cls = ClassOf(bytes);
        if (cls == MinClass && t_smallCount > 0) return new ScratchBuffer((byte*)t_small![--t_smallCount], cls);
        if (cls > MaxClass) ThrowHelper.ScratchTooLarge(bytes, 1L << MaxClass);
        using (s_lock.EnterScope())
        {
            if (s_freeCount[cls] > 0) return new ScratchBuffer((byte*)s_free[cls][--s_freeCount[cls]], cls);
        }
        byte* p = (byte*)NativeMemory.AlignedAlloc((nuint)(1L << cls), 64);
        return new ScratchBuffer(p, cls);
    }

    internal static void Return(byte* p, int cls)
    {
        if (cls == MinClass && t_smallCount < KeepPerThread)
        {
            (t_small ??= new nint[KeepPerThread])[t_smallCount++] = (nint)p;
            return;
        }
        using (s_lock.EnterScope())
        {
            if (s_freeCount[cls] < KeepPerClass)
            {
                s_free[cls][s_freeCount[cls]++] = (nint)p;
                return;
            }
        }
        NativeMemory.AlignedFree(p);
    }
}

/// <summary>A rented scratch block; dispose returns it to the pool.</summary>
internal readonly unsafe struct ScratchBuffer : IDisposable
{
    private readonly int _class;

    /// <summary>The class of a block on the caller's stack, which nothing returns.</summary>
    internal const int OnStack = -1;

    internal ScratchBuffer(byte* pointer, int cls)
    {
        Pointer = pointer;
        _class = cls;
    }

    public byte* Pointer { get; }

    public void Dispose()
    {
        if (Pointer != null && _class != OnStack) ScratchPool.Return(Pointer, _class);
    }
}
