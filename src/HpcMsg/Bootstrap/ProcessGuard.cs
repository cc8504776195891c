using HpcMsg.Internal;

namespace HpcMsg.Bootstrap;

/// <summary>Makes a rank die with its job: it follows hpcrun's death, and an unhandled exception
/// ends it with a one-line report and exit code 1 instead of an abort signal and a core dump.</summary>
internal static class ProcessGuard
{
    /// <summary>The exit code of a rank that ends with an unhandled exception.</summary>
    public const int UnhandledExitCode = 1;

    /// <param name="job">The job this rank belongs to.</param>
    /// <param name="endJob">Under a process manager (no hpcrun to stop the others): called with
    /// <see cref="UnhandledExitCode"/> and a message naming the exception instead of the exit, so that
    /// the whole job ends (PMI abort, then <c>_exit</c>: it does not return) rather than leave the
    /// other ranks waiting, and the process is gone before the process manager's kill reaches it.</param>
    public static void Install(JobEnvironment job, Action<int, string>? endJob = null)
    {
        if (job.LauncherPid > 0)
        {
            // Only meaningful when hpcrun is our parent (not through a wrapper script).
            if (Native.getppid() == job.LauncherPid)
            {
                Native.prctl(Native.PrSetPdeathsig, Native.SigKill, 0, 0, 0);
                if (Native.getppid() != job.LauncherPid) Environment.Exit(1); // hpcrun died before prctl
            }
        }
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            string what = e.ExceptionObject is RankFailedException or JobAbortedException
                ? ((Exception)e.ExceptionObject).Message
                : e.ExceptionObject.ToString() ?? "unknown exception";
            try
            {
                Console.Out.Flush();
                Console.Error.WriteLine($"hpcmsg: rank {job.Rank}: unhandled exception: {what}");
                Console.Error.Flush();
                endJob?.Invoke(UnhandledExitCode, $"rank {job.Rank}: unhandled exception: {Summary(e.ExceptionObject)}");
            }
            finally
            {
                Environment.Exit(UnhandledExitCode);
            }
        };
    }

    /// <summary>The exception's type and message on one line (the process manager's abort message
    /// has room for little more), without the stack trace that stderr has.</summary>
    internal static string Summary(object exception) => exception switch
    {
        RankFailedException or JobAbortedException => ((Exception)exception).Message,
        Exception x => $"{x.GetType().FullName}: {x.Message}",
        _ => exception.ToString() ?? "unknown exception",
    };
}
