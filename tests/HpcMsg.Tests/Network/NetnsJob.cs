using System.Diagnostics;
using System.Text;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Network;

/// <summary>
/// Runs a job whose hostfile names network namespaces, with <c>--launch-agent "ip netns exec {host}"</c>
/// and <c>--iface 10.213.0.0/24</c>. Besides JobRunner's checks (no process of the job, no segment
/// file), every namespace must be empty of processes afterwards: nothing is left on any host.
/// </summary>
internal static class NetnsJob
{
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(3);

    public static JobResult Run(ITestOutputHelper log, JobSpec spec, (string Host, int Slots)[] hosts,
        Action<int, string>? whileRunning = null)
    {
        string hostfile = Path.Combine(Path.GetTempPath(), $"hpcmsg-hosts-{Guid.NewGuid():N}");
        var text = new StringBuilder("# written by HpcMsg.Tests.Network\n");
        foreach (var (host, slots) in hosts) text.Append($"{host} slots={slots}\n");
        File.WriteAllText(hostfile, text.ToString());
        try
        {
            spec = spec with
            {
                LauncherArgs =
                [
                    "--hostfile", hostfile, "--launch-agent", NetworkNamespaces.Agent, "--iface", NetworkNamespaces.Subnet,
                    // Several ranks per core here: waiting ranks should give their core away soon.
                    "-x", "HPCMSG_SPIN_US=50",
                    .. spec.LauncherArgs,
                ],
            };
            JobResult result = JobRunner.Run(spec, log, whileRunning);
            AssertNamespacesEmpty(result);
            return result;
        }
        finally
        {
            File.Delete(hostfile);
        }
    }

    private static void AssertNamespacesEmpty(JobResult result)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var left = NetworkNamespaces.Hosts.SelectMany(h => NetworkNamespaces.ProcessesIn(h).Select(p => (h, p))).ToList();
            if (left.Count == 0) return;
            if (clock.Elapsed > ExitGrace)
            {
                string what = string.Join(", ", left.Select(x => $"{x.p} in {x.h} ({Describe(x.p)})"));
                foreach (var (_, pid) in left) Kill(pid);
                Assert.Fail($"processes were left in the namespaces after the job: {what}\n{result}");
            }
            Thread.Sleep(50);
        }
    }

    private static string Describe(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim(); }
        catch (IOException) { return "gone"; }
    }

    private static void Kill(int pid)
    {
        try { Process.GetProcessById(pid).Kill(entireProcessTree: true); }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
    }
}
