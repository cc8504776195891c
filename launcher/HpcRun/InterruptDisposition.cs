using System.Runtime.InteropServices;

namespace HpcRun;

/// <summary>
/// A shell without job control starts background commands (<c>hpcrun ... &amp;</c>) with SIGINT ignored,
/// and the runtime then declines to handle SIGINT at all, so <c>kill -INT</c> would do nothing and the job
/// would run on. A launcher must always be stoppable with its cleanup, so hpcrun takes SIGINT back.
/// </summary>
internal static unsafe partial class InterruptDisposition
{
    private const int SigInt = 2;
    private static readonly nint SigDfl = 0;
    private static readonly nint SigIgn = 1;

    /// <summary>Must run before SIGINT is registered with the runtime: the runtime decides whether to handle
    /// SIGINT from the disposition it finds at that moment.</summary>
    public static void RestoreIfIgnored()
    {
        if (!OperatingSystem.IsLinux()) return;
        // struct sigaction starts with the handler on every Linux ABI; the rest fits well within this buffer.
        byte* current = stackalloc byte[512];
        if (sigaction(SigInt, null, current) != 0) return;
        if (*(nint*)current == SigIgn) signal(SigInt, SigDfl);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sigaction(int signum, void* act, void* oldact);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint signal(int signum, nint handler);
}
