using System.Diagnostics;
using System.Text;
using HpcMsg.Tests.Infrastructure;
using HpcMsg.Tests.Network;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Slurm;

/// <summary>
/// Runs a Slurm client command (srun, salloc, sbatch) against the test cluster: SLURM_CONF set, the job
/// named after a fresh marker (also exported as <see cref="JobRunner.MarkerVariable"/>, which Slurm hands
/// on to the tasks), a hard limit past which the job is cancelled (scancel --name) and the client killed,
/// and afterwards the leftover check: no job of that name in the queue, no process carrying the marker,
/// no new /dev/shm/hpcmsg-* file. Something left fails the test, and is removed.
/// Judging the exit code and output is the caller's business.
/// </summary>
internal static class SlurmCommand
{
    /// <summary>How long the job's processes and queue entry may take to go after the client has exited
    /// (slurmstepd ends the tasks, then the job completes; KillWait=2 in .ci/slurm-up's slurm.conf).</summary>
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(15);

    /// <summary>A short command of the cluster (sinfo, squeue, scancel) with SLURM_CONF set.</summary>
    public static Command.Result Client(string tool, string[] args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(tool)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["SLURM_CONF"] = Environment.GetEnvironmentVariable(SlurmSupport.ConfVariable);
        try
        {
            using Process p = Process.Start(psi)!;
            p.StandardInput.Close();
            Task<string> stdout = p.StandardOutput.ReadToEndAsync();
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                return new Command.Result(-1, stdout.Result, $"{tool} did not finish within {timeout.TotalSeconds:F0} s\n{stderr.Result}");
            }
            return new Command.Result(p.ExitCode, stdout.Result, stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new Command.Result(-1, string.Empty, $"cannot run {tool}: {e.Message}");
        }
    }

    /// <summary>Runs <paramref name="tool"/> (srun, salloc or sbatch; <c>--job-name</c> is added first) with
    /// <paramref name="args"/>, and checks that the job left nothing behind.</summary>
    /// <param name="environment">Added to (or, with a null value, removed from) the client's environment.</param>
    /// <param name="whileRunning">Called with the client's pid and the marker once it has started.</param>
    public static JobResult Run(string tool, IReadOnlyList<string> args, TimeSpan hardTimeout, ITestOutputHelper? log = null,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null, Action<int, string>? whileRunning = null)
    {
        string conf = SlurmSupport.Conf;
        string marker = MarkedProcess.NewMarker();
        var arguments = new List<string> { $"--job-name={marker}" };
        arguments.AddRange(args);
        string commandLine = $"SLURM_CONF={conf} {tool} {string.Join(' ', arguments)}";
        HashSet<string> shmBefore = Leftovers.ShmFiles();

        ProcessStartInfo startInfo = MarkedProcess.StartInfo(tool, arguments, marker);
        startInfo.WorkingDirectory = workingDirectory ?? RepositoryRoot.Path;
        // The test host itself may run inside a job (hpcrun's, or an allocation): none of that reaches this one.
        MarkedProcess.RemoveInherited(startInfo, "HPCMSG_", "SLURM_", "PMI_");
        startInfo.Environment["SLURM_CONF"] = conf;
        if (environment is not null)
            foreach ((string name, string? value) in environment)
            {
                if (value is null) startInfo.Environment.Remove(name);
                else startInfo.Environment[name] = value;
            }

        // Past the hard limit, through Slurm first, so that slurmstepd ends the tasks on every node; then the client.
        MarkedProcess.Outcome outcome = MarkedProcess.Run(startInfo, commandLine, hardTimeout, whileRunning, beforeKill: () => Cancel(marker));
        string leftovers = CheckAndClean(marker, shmBefore);
        log?.WriteLine($"[{tool} {string.Join(' ', args)}] exit {outcome.Result.ExitCode} in {outcome.Result.Elapsed.TotalSeconds:F1} s");
        return MarkedProcess.AssertFinishedClean(outcome, leftovers);
    }

    /// <summary>Cancels every job named <paramref name="marker"/> (all its steps, with SIGKILL).</summary>
    public static void Cancel(string marker) =>
        Client("scancel", ["--full", "--signal=KILL", $"--name={marker}"], TimeSpan.FromSeconds(15));

    /// <summary>Jobs named <paramref name="marker"/> still in the queue (running, completing, pending).</summary>
    public static string QueuedJobs(string marker)
    {
        Command.Result squeue = Client("squeue", ["-h", $"--name={marker}", "-o", "%i %T %N"], TimeSpan.FromSeconds(15));
        return squeue.ExitCode == 0 ? squeue.Stdout.Trim() : $"(squeue failed: {squeue.Stderr.Trim()})";
    }

    /// <summary>Waits up to <see cref="ExitGrace"/> for the job to leave the queue and its processes and new
    /// segment files to go; describes what did not (empty when clean), after removing it.</summary>
    private static string CheckAndClean(string marker, HashSet<string> shmBefore)
    {
        var clock = Stopwatch.StartNew();
        string queued;
        while ((queued = QueuedJobs(marker)).Length > 0 && clock.Elapsed < ExitGrace) Thread.Sleep(100);
        var report = new StringBuilder();
        if (queued.Length > 0)
        {
            report.AppendLine($"job still in the queue: {queued}");
            Cancel(marker);
        }
        TimeSpan rest = ExitGrace - clock.Elapsed;
        report.Append(Leftovers.CheckAndClean(marker, () => NewSegments(shmBefore), rest > TimeSpan.Zero ? rest : TimeSpan.Zero));
        return report.ToString();
    }

    /// <summary>/dev/shm/hpcmsg-* files that were not there before the job, less those of other jobs still
    /// running on this machine: a segment is named hpcmsg-&lt;euid&gt;-&lt;random&gt;-&lt;launcher pid&gt;[-n&lt;node&gt;],
    /// and one whose launcher is alive and not of this job (it carries no marker, checked before) is theirs.</summary>
    private static List<string> NewSegments(HashSet<string> before)
    {
        var found = new List<string>();
        foreach (string file in Leftovers.ShmFiles())
        {
            if (before.Contains(file)) continue;
            string[] parts = Path.GetFileName(file).Split('-');
            string? pidText = parts.Length >= 4 ? parts[3] : null;
            if (pidText is not null && int.TryParse(pidText, out int pid) && Directory.Exists($"/proc/{pid}")) continue;
            found.Add(file);
        }
        return found;
    }
}
