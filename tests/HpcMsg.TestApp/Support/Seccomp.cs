using System.Runtime.InteropServices;

namespace HpcMsg.TestApp.Support;

/// <summary>
/// Makes the kernel refuse this process process_vm_readv with EPERM (every call, or those that read one
/// pid), as a container's seccomp profile may: a real refusal that root (with CAP_SYS_PTRACE, which bypasses Yama and dumpability)
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

    /// <summary>Installs the filter: every process_vm_readv refused, or with <paramref name="onlyOfPid"/>
    /// only those that read that process (the other pids still work: a refusal per peer). Throws if the
    /// kernel would not take it (the test must not pass without the refusal it is about).</summary>
    public static void RefuseCrossMemoryReads(int? onlyOfPid = null)
    {
        bool arm = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
        uint auditArch = arm ? 0xC00000B7u : 0xC000003Eu; // AUDIT_ARCH_AARCH64, AUDIT_ARCH_X86_64
        uint processVmReadv = arm ? 270u : 310u;
        long seccompSyscall = arm ? 277 : 317;
        // Each test jumps to "allow", the last instruction, when it does not match.
        SockFilter* program = stackalloc SockFilter[8];
        int n = 0;
        program[n++] = new() { Code = LoadWordAbsolute, K = 4 };                   // seccomp_data.arch
        program[n++] = new() { Code = JumpIfEqual, K = auditArch };                 // another ABI: allow
        program[n++] = new() { Code = LoadWordAbsolute, K = 0 };                   // seccomp_data.nr
        program[n++] = new() { Code = JumpIfEqual, K = processVmReadv };
        if (onlyOfPid is int pid)
        {
            program[n++] = new() { Code = LoadWordAbsolute, K = 16 };              // args[0] (the pid), low half
            program[n++] = new() { Code = JumpIfEqual, K = (uint)pid };
        }
        program[n++] = new() { Code = Return, K = RetErrno | Eperm };
        program[n++] = new() { Code = Return, K = RetAllow };
        for (int i = 0; i < n; i++)
            if (program[i].Code == JumpIfEqual) program[i].JumpFalse = (byte)(n - 1 - (i + 1));
        SockFprog prog = new() { Length = (ushort)n, Filter = program };
        if (prctl(PrSetNoNewPrivs, 1, 0, 0, 0) != 0)
            throw new InvalidOperationException($"prctl(PR_SET_NO_NEW_PRIVS) failed: errno {Marshal.GetLastPInvokeError()}");
        if (syscall(seccompSyscall, SeccompSetModeFilter, SeccompFilterFlagTsync, (long)&prog) != 0)
            throw new InvalidOperationException($"seccomp(SECCOMP_SET_MODE_FILTER) failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
