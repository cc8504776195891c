using System.Diagnostics;
using System.Text;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>
/// What a job may leave behind: processes (found by the marker in their environment or command
/// line, which ranks inherit through hpcrun's -x) and shared-memory files: /dev/shm/hpcmsg-* files
/// that were not there before the job and whose name ends with "-&lt;hpcrun's pid&gt;" (hpcrun names a
/// segment hpcmsg-&lt;euid&gt;-&lt;random&gt;-&lt;its pid&gt;, with "-n&lt;node&gt;" after it for each host of a job over
/// several hosts; other sessions' jobs may run at the same time, so
/// "new" alone is not enough). Finding one is a test failure; the harness removes it so that later
/// tests start clean.
/// </summary>
internal static class Leftovers
{
    private const string ShmDirectory = "/dev/shm";
    private const string ShmPattern = "hpcmsg-*";

    public static HashSet<string> ShmFiles() =>
        Directory.Exists(ShmDirectory) ? [.. Directory.GetFiles(ShmDirectory, ShmPattern)] : [];

    /// <summary>Segment files of the job whose hpcrun has <paramref name="launcherPid"/>: its own, and those
    /// of the hosts of a job over several hosts ("...-&lt;pid&gt;-n&lt;node&gt;", made by the ranks).</summary>
    public static List<string> ShmFilesOf(int launcherPid, HashSet<string> before) =>
        [.. ShmFiles().Where(f => !before.Contains(f)
            && (f.EndsWith($"-{launcherPid}", StringComparison.Ordinal) || f.Contains($"-{launcherPid}-n", StringComparison.Ordinal)))];

    /// <summary>Live processes (not zombies) that carry <paramref name="marker"/>, with their command lines.</summary>
    public static List<(int Pid, string CommandLine)> Processes(string marker)
    {
        var found = new List<(int, string)>();
        byte[] needle = Encoding.UTF8.GetBytes(marker);
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                byte[] cmdline = File.ReadAllBytes(Path.Combine(dir, "cmdline"));
                if (cmdline.Length == 0) continue; // a zombie or a kernel thread: holds nothing
                byte[] environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
                if (cmdline.AsSpan().IndexOf(needle) >= 0 || environ.AsSpan().IndexOf(needle) >= 0)
                    found.Add((pid, Encoding.UTF8.GetString(cmdline).Replace('\0', ' ').Trim()));
            }
            catch (IOException) { }                   // exited meanwhile
            catch (UnauthorizedAccessException) { }   // another user's process: not ours
        }
        return found;
    }

    /// <summary>Waits up to <paramref name="grace"/> for the job's processes and new segment files to
    /// disappear; returns a description of what did not (empty when clean), after removing it.</summary>
    public static string CheckAndClean(string marker, int launcherPid, HashSet<string> shmBefore, TimeSpan grace) =>
        CheckAndClean(marker, () => ShmFilesOf(launcherPid, shmBefore), grace);

    /// <summary>The same, with the job's segment files found by <paramref name="jobFiles"/>.</summary>
    public static string CheckAndClean(string marker, Func<List<string>> jobFiles, TimeSpan grace)
    {
        var clock = Stopwatch.StartNew();
        List<(int Pid, string CommandLine)> processes;
        List<string> files;
        while (true)
        {
            processes = Processes(marker);
            files = jobFiles();
            if ((processes.Count == 0 && files.Count == 0) || clock.Elapsed > grace) break;
            Thread.Sleep(50);
        }
        var report = new StringBuilder();
        foreach ((int pid, string cmd) in processes)
        {
            report.AppendLine($"process {pid} still running: {cmd}");
            Kill(pid);
        }
        foreach (string file in files)
        {
            report.AppendLine($"shared-memory file still present: {file}");
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return report.ToString();
    }

    public static void KillAll(string marker)
    {
        foreach ((int pid, _) in Processes(marker)) Kill(pid);
    }

    private static void Kill(int pid)
    {
        try
        {
            using Process p = Process.GetProcessById(pid);
            p.Kill(entireProcessTree: true);
        }
        catch (ArgumentException) { }          // already gone
        catch (InvalidOperationException) { }  // already gone
        catch (System.ComponentModel.Win32Exception) { }
    }
}
