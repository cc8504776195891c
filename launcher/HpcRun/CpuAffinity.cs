using System.Runtime.InteropServices;
using HpcMsg.Internal;

namespace HpcRun;

/// <summary>
/// The calling thread's CPU mask. A child inherits the mask of the thread that forked it, so pinning
/// the main thread just before Process.Start pins the rank from its first instruction, with no window
/// in which the runtime's threads start elsewhere.
/// </summary>
internal static unsafe class CpuAffinity
{
    private const int MaskWords = 16; // 1024 CPUs, the kernel's default CONFIG_NR_CPUS ceiling
    private const int BitsPerWord = 64;

    /// <summary>The calling thread's mask, or null where the kernel refuses to say.</summary>
    public static ulong[]? GetCurrentThreadMask()
    {
        var mask = new ulong[MaskWords];
        fixed (ulong* p = mask)
        {
            if (Native.sched_getaffinity(0, (nuint)(MaskWords * sizeof(ulong)), p) != 0) return null;
        }
        return mask;
    }

    public static void SetCurrentThreadMask(ulong[] mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        fixed (ulong* p = mask)
        {
            if (Native.sched_setaffinity(0, (nuint)(mask.Length * sizeof(ulong)), p) != 0)
                throw new LauncherException($"cannot set CPU affinity (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>The CPUs in <paramref name="mask"/>, lowest first: the cores hpcrun may hand out.</summary>
    public static IReadOnlyList<int> CpusIn(ulong[] mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var cpus = new List<int>();
        for (int cpu = 0; cpu < mask.Length * BitsPerWord; cpu++)
        {
            if ((mask[cpu / BitsPerWord] & (1UL << (cpu % BitsPerWord))) != 0) cpus.Add(cpu);
        }
        return cpus;
    }

    public static ulong[] SingleCpu(int cpu)
    {
        var mask = new ulong[MaskWords];
        mask[cpu / BitsPerWord] = 1UL << (cpu % BitsPerWord);
        return mask;
    }
}
