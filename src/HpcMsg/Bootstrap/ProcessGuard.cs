using HpcMsg.Internal;

namespace HpcMsg.Bootstrap;

/// <summary>Makes a rank die with its job: it follows hpcrun's death, and an unhandled exception
/// ends it with a one-line report and exit code 1 instead of an abort signal and a core dump.</summary>
internal static class ProcessGuard
{
    /// <param name="job">The job this rank belongs to.</param>
    /// <param name="endJob">Under a process manager (no hpcrun to stop the others): called with 1 before
    /// the exit, so that the whole job ends (PMI abort) rather than leave the other ranks waiting.</param>
    public static void Install(JobEnvironment job, Action<int>? endJob = null)
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
                endJob?.Invoke(1);
            }
            finally
            {
                Environment.Exit(1);
            }
        };
    }
}
