using System.Runtime.InteropServices;

namespace HpcMsg.Internal;

/// <summary>Linux system calls the transport needs and .NET does not wrap.</summary>
internal static unsafe partial class Native
{
    private const long SysFutex = 202; // x86_64; see FutexSyscallNumber for arm64
    private const int FutexWait = 0;
    private const int FutexWake = 1;
    public const int PrSetPdeathsig = 1;
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int EPERM = 1;
    public const int ESRCH = 3;
    public const int EACCES = 13;
    public const int ENOSYS = 38;
    /// <summary>prctl: which process may ptrace (and so process_vm_readv) this one under Yama's ptrace_scope 1.</summary>
    public const int PrSetPtracer = 0x59616d61;
    /// <summary>PR_SET_PTRACER's "any process" (whose credentials otherwise allow it: same uid).</summary>
    public static readonly nuint PrSetPtracerAny = nuint.MaxValue;

    private static readonly long FutexSyscallNumber =
        RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 98 : SysFutex;

    private static readonly long MembarrierSyscallNumber =
        RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 283 : 324;
    private const int MembarrierQuery = 0;
    private const int MembarrierGlobalExpedited = 1 << 1;
    private const int MembarrierRegisterGlobalExpedited = 1 << 2;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (sys/socket.h), for a gather write without an address or control data.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    /// <summary>MSG_NOSIGNAL: a write to a connection the peer closed fails with EPIPE instead of raising SIGPIPE.</summary>
    public const int MsgNoSignal = 0x4000;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, void* addr, int op, int val, TimeSpec* timeout, void* addr2, int val3);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long membarrier(long number, int command, uint flags, int cpuId);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint process_vm_readv(int pid, IoVec* localIov, nuint localCount, IoVec* remoteIov, nuint remoteCount, nuint flags);

    /// <summary>sendmsg(2): one write of several buffers (a frame's header and its payload), so that
    /// a small frame leaves in one TCP segment and costs one system call.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>glibc's memcpy without a GC transition: it neither blocks nor calls back, and PayloadCopy
    /// gives it at most 64 KiB, a few microseconds.</summary>
    [LibraryImport("libc", EntryPoint = "memcpy")]
    [SuppressGCTransition]
    public static partial void* Memcpy(void* destination, void* source, nuint bytes);

    /// <summary>_exit(2): the process ends now with <paramref name="status"/>, running no exit handler
    /// (AppDomain.ProcessExit, atexit) and flushing nothing.</summary>
    [LibraryImport("libc", EntryPoint = "_exit")]
    public static partial void ExitNow(int status);

    [LibraryImport("libc")]
    public static partial int getppid();

    [LibraryImport("libc")]
    public static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sched_setaffinity(int pid, nuint cpuSetSize, ulong* mask);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sched_getaffinity(int pid, nuint cpuSetSize, ulong* mask);

    /// <summary>Sleeps while <paramref name="word"/> still holds <paramref name="expected"/>, at most
    /// <paramref name="timeoutMicros"/>. The word lives in a shared mapping, so the futex is not private.</summary>
    public static void FutexWaitShared(int* word, int expected, int timeoutMicros)
    {
        TimeSpec ts;
        ts.Seconds = timeoutMicros / 1_000_000;
        ts.Nanoseconds = (timeoutMicros % 1_000_000) * 1000L;
        syscall(FutexSyscallNumber, word, FutexWait, expected, &ts, null, 0);
    }

    public static void FutexWakeAll(int* word)
    {
        syscall(FutexSyscallNumber, word, FutexWake, int.MaxValue, null, null, 0);
    }

    /// <summary>Registers this process for expedited global membarriers and issues one; false where the
    /// kernel (before 4.16) or a seccomp filter refuses.</summary>
    public static bool TryEnableGlobalMembarrier()
    {
        const long both = MembarrierGlobalExpedited | MembarrierRegisterGlobalExpedited;
        long supported = membarrier(MembarrierSyscallNumber, MembarrierQuery, 0, 0);
        if (supported < 0 || (supported & both) != both) return false;
        return membarrier(MembarrierSyscallNumber, MembarrierRegisterGlobalExpedited, 0, 0) == 0
            && GlobalMembarrier();
    }

    /// <summary>A full memory barrier on every CPU that runs a thread of a registered process (every
    /// rank of the node), returning when all have passed it.</summary>
    public static bool GlobalMembarrier() =>
        membarrier(MembarrierSyscallNumber, MembarrierGlobalExpedited, 0, 0) == 0;

    public static bool ProcessExists(int pid) => kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == EPERM;
}
