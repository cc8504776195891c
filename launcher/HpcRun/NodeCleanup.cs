using System.ComponentModel;
using System.Diagnostics;
using HpcMsg.Transports.Shm;

namespace HpcRun;

/// <summary>
/// After a job on several hosts, removes each host's segment file, whatever happened to the job: on this
/// machine directly, on the others with <c>&lt;agent&gt; rm -f &lt;path&gt;</c>, all hosts at once and within
/// a time limit, so that an unreachable host cannot hold hpcrun. A failure is reported, not fatal.
/// Hosts where nothing of the job can have run (see <c>mayHaveRun</c>) are left alone: a host the agent
/// could not reach has been reported already, and asking it again would only repeat that.
/// </summary>
internal static class NodeCleanup
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static void Run(JobPlan plan, LaunchAgent agent, OutputSink sink, Func<JobNode, bool> mayHaveRun)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(mayHaveRun);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(sink);
        var removals = new List<(JobNode Node, string Path, Process Process, Task<string> Output)>();
        foreach (JobNode node in plan.Nodes)
        {
            string path = JobPlan.NodeSegmentPath(plan.JobId, node.Index);
            if (node.IsLocal)
            {
                ShmSegment.Remove(path);
                continue;
            }
            if (!mayHaveRun(node)) continue;
            IReadOnlyList<string> argv = agent.CommandFor(node.Host, ["rm", "-f", path]);
            var psi = new ProcessStartInfo(argv[0])
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string a in argv.Skip(1)) psi.ArgumentList.Add(a);
            try
            {
                var process = Process.Start(psi)!;
                process.StandardInput.Close();
                Task<string> stdout = process.StandardOutput.ReadToEndAsync();
                Task<string> stderr = process.StandardError.ReadToEndAsync();
                removals.Add((node, path, process, Task.WhenAll(stdout, stderr).ContinueWith(
                    t => string.Concat(t.Result), TaskScheduler.Default)));
            }
            catch (Win32Exception e)
            {
                sink.Error($"hpcrun: cannot remove {path} on host {node.Host} through '{agent.Describe(node.Host)}': {e.Message}");
            }
        }

        DateTime deadline = DateTime.UtcNow + Timeout;
        foreach (var (node, path, process, output) in removals)
        {
            using (process)
            {
                TimeSpan left = deadline - DateTime.UtcNow;
                if (!process.WaitForExit(left < TimeSpan.Zero ? TimeSpan.Zero : left))
                {
                    try { process.Kill(entireProcessTree: true); }
                    catch (InvalidOperationException) { }
                    sink.Error($"hpcrun: removing {path} on host {node.Host} through '{agent.Describe(node.Host)}' " +
                               $"took more than {Timeout.TotalSeconds:F0} s and was stopped");
                    continue;
                }
                if (process.ExitCode != 0)
                {
                    string said = output.Wait(TimeSpan.FromSeconds(1)) ? FirstLine(output.Result) : string.Empty;
                    sink.Error($"hpcrun: cannot remove {path} on host {node.Host} through '{agent.Describe(node.Host)}': " +
                               $"exit code {process.ExitCode}{(said.Length > 0 ? ": " + said : string.Empty)}");
                }
            }
        }
    }

    private static string FirstLine(string text)
    {
        string line = text.Trim().Split('\n')[0].Trim();
        return line.Length > 200 ? line[..200] + "..." : line;
    }
}
