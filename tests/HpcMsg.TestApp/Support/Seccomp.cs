using System.Runtime.InteropServices;

namespace HpcMsg.TestApp.Support;

/// <summary>
/// Makes the kernel refuse this process every process_vm_readv with EPERM, as a container's seccomp
/// profile may: a real refusal that root (with CAP_SYS_PTRACE, which bypasses Yama and dumpability)
/// meets too, so that the single copy's fallback to the ring pipeline is tested on any machine. The
/// filter covers every thread of the process (SECCOMP_FILTER_FLAG_TSYNC) and cannot be lifted.
/// </summary>
internal static unsafe partial class Seccomp
{
    private const int PrSetNoNewPrivs = 38;
    private const int SeccompSetModeFilter = 1;
    private const uint SeccompFilterFlagTsync = 1;
    private const uint RetAllow = 0x7fff0000;
    private const uint RetErrno = 0x00050000;
    private const uint Eperm = 1;
    private const ushort LoadWordAbsolute = 0x20; // BPF_LD | BPF_W | BPF_ABS
    private const ushort JumpIfEqual = 0x15;      // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort Return = 0x06;           // BPF_RET | BPF_K

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFilter
    {
        public ushort Code;
        public byte JumpTrue;
        public byte JumpFalse;
        public uint K;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long arg1, long arg2, long arg3);

    /// <summary>Installs the filter; throws if the kernel would not take it (the test must not pass
    /// without the refusal it is about).</summary>
    public static void RefuseCrossMemoryReads()
    {
        bool arm = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
        uint auditArch = arm ? 0xC00000B7u : 0xC000003Eu; // AUDIT_ARCH_AARCH64, AUDIT_ARCH_X86_64
        uint processVmReadv = arm ? 270u : 310u;
        long seccompSyscall = arm ? 277 : 317;
        SockFilter* program = stackalloc SockFilter[]
        {
            new() { Code = LoadWordAbsolute, K = 4 },                   // seccomp_data.arch
            new() { Code = JumpIfEqual, JumpFalse = 3, K = auditArch }, // another ABI: allow
            new() { Code = LoadWordAbsolute, K = 0 },                   // seccomp_data.nr
            new() { Code = JumpIfEqual, JumpFalse = 1, K = processVmReadv },
            new() { Code = Return, K = RetErrno | Eperm },
            new() { Code = Return, K = RetAllow },
        };
        SockFprog prog = new() { Length = 6, Filter = program };
        if (prctl(PrSetNoNewPrivs, 1, 0, 0, 0) != 0)
            throw new InvalidOperationException($"prctl(PR_SET_NO_NEW_PRIVS) failed: errno {Marshal.GetLastPInvokeError()}");
        if (syscall(seccompSyscall, SeccompSetModeFilter, SeccompFilterFlagTsync, (long)&prog) != 0)
            throw new InvalidOperationException($"seccomp(SECCOMP_SET_MODE_FILTER) failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
