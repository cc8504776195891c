using System.Runtime.InteropServices;
using HpcMsg.Internal;

namespace HpcMsg.Transports.Shm;

/// <summary>Single-copy transfer of a large message: the receiver reads straight out of the
/// sender's buffer with process_vm_readv (Linux CMA). Needs the same uid (or CAP_SYS_PTRACE), and under
/// Yama's ptrace_scope 1 the sender's consent (<see cref="PermitReaders"/>); a refusal is per pair of
/// processes (the engine then takes the ring pipeline for that peer).</summary>
internal static unsafe class CrossMemoryAttach
{
    private const long MaxPerCall = 1L << 30; // the kernel may return short counts for big iovecs anyway
    private const int EFAULT = 14;

    /// <summary>Copies <paramref name="bytes"/> from the other process; returns 0 or an errno.</summary>
    public static int Read(int pid, long remoteAddress, byte* local, long bytes)
    {
        long done = 0;
        while (done < bytes)
        {
            long chunk = Math.Min(bytes - done, MaxPerCall);
            Native.IoVec l = new() { Base = local + done, Length = (nuint)chunk };
            Native.IoVec r = new() { Base = (void*)(remoteAddress + done), Length = (nuint)chunk };
            nint n = Native.process_vm_readv(pid, &l, 1, &r, 1, 0);
            if (n < 0) return Marshal.GetLastPInvokeError();
            if (n == 0) return EFAULT;
            done += n;
        }
        return 0;
    }

    /// <summary>Errors that mean "the kernel forbids this reader to read that process" (ptrace access
    /// refused: a different uid, Yama, a non-dumpable target without CAP_SYS_PTRACE in the reader, EACCES
    /// from an LSM; ENOSYS or EPERM from a seccomp filter), after which the pipelined path is used for
    /// that peer.</summary>
    public static bool IsNotPermitted(int errno) => errno is Native.EPERM or Native.EACCES or Native.ENOSYS;

    /// <summary>Lets the other ranks of the node read this process under Yama's ptrace_scope 1 (Ubuntu's
    /// default), which otherwise allows process_vm_readv only into descendants, and hpcrun starts ranks as
    /// siblings. Open MPI's vader does the same (PR_SET_PTRACER_ANY). It widens nothing else: the reader
    /// still needs this process's uid (or CAP_SYS_PTRACE). False where the kernel has no Yama (EINVAL),
    /// where nothing needs it.</summary>
    public static bool PermitReaders() => Native.prctl(Native.PrSetPtracer, Native.PrSetPtracerAny, 0, 0, 0) == 0;
}
