using System.Diagnostics;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Ofi;

/// <summary>
/// Starts the test app's <c>ofi-pingpong</c> scenario as two plain processes (each a lone Init, no
/// hpcrun), a server and a client, optionally each in a network namespace (<c>ip netns exec</c>), with a
/// fresh directory for their name exchange. Waits for both within a time limit, kills both when it
/// passes, and fails unless both exited 0 and printed OK. Returns the client's output.
/// </summary>
internal static class OfiPeers
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    public sealed record Side(string? Namespace, string Address);

    public static string Run(ITestOutputHelper log, string provider, Side server, Side client, string wait, int repetitions, params int[] sizes)
    {
        string directory = Directory.CreateTempSubdirectory("hpcmsg-ofi-names-").FullName;
        var clock = Stopwatch.StartNew();
        try
        {
            string[] common = [directory, wait, repetitions.ToString(System.Globalization.CultureInfo.InvariantCulture), .. sizes.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))];
            using Peer s = Peer.Start(server.Namespace, ["server", provider, server.Address, .. common]);
            using Peer c = Peer.Start(client.Namespace, ["client", provider, client.Address, .. common]);
            bool done = s.Process.WaitForExit(Limit) & c.Process.WaitForExit(Limit - clock.Elapsed > TimeSpan.Zero ? Limit - clock.Elapsed : TimeSpan.Zero);
            string report = $"server:\n{s.Output()}\nclient:\n{c.Output()}";
            log.WriteLine($"{provider}, {wait}: {clock.Elapsed.TotalSeconds:F1} s\n{report}");
            Assert.True(done, $"the ping-pong did not finish within {Limit.TotalSeconds:F0} s; both were killed\n{report}");
            Assert.True(s.Process.ExitCode == 0 && c.Process.ExitCode == 0, $"exit codes: server {s.Process.ExitCode}, client {c.Process.ExitCode}\n{report}");
            Assert.Contains("OK ofi-pingpong", s.Output());
            Assert.Contains("OK ofi-pingpong", c.Output());
            AssertNothingLeft(directory, server.Namespace, client.Namespace);
            return c.Output();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>No process of this run (its command line names the run's directory) is left in the
    /// namespaces it used. Other processes there are not ours: other tests' jobs may be running.</summary>
    private static void AssertNothingLeft(string directory, params string?[] namespaces)
    {
        foreach (string ns in namespaces.OfType<string>().Distinct())
        {
            var ours = Network.NetworkNamespaces.ProcessesIn(ns).Where(pid => CommandLine(pid).Contains(directory, StringComparison.Ordinal)).ToList();
            Assert.True(ours.Count == 0, $"processes of this ping-pong were left in {ns}: {string.Join(", ", ours)}");
        }
    }

    private static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return string.Empty; }
    }

    private sealed class Peer : IDisposable
    {
        private readonly OutputCollector _stdout, _stderr;

        private Peer(Process process)
        {
            Process = process;
            _stdout = new OutputCollector(process.StandardOutput);
            _stderr = new OutputCollector(process.StandardError);
        }

        public Process Process { get; }

        public static Peer Start(string? netns, string[] args)
        {
            string[] app = [BuildArtifacts.DotnetHost, BuildArtifacts.TestAppDll, "ofi-pingpong", .. args];
            string[] command = netns is null ? app : ["ip", "netns", "exec", netns, .. app];
            var psi = new ProcessStartInfo(command[0])
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string a in command[1..]) psi.ArgumentList.Add(a);
            // A lone process: nothing of an hpcrun job may leak into it from the test host.
            foreach (string name in psi.Environment.Keys.Where(k => k.StartsWith("HPCMSG_", StringComparison.Ordinal)).ToList())
                psi.Environment.Remove(name);
            Process p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {string.Join(' ', command)}");
            p.StandardInput.Close();
            return new Peer(p);
        }

        public string Output()
        {
            _stdout.WaitForEnd(TimeSpan.FromSeconds(2));
            _stderr.WaitForEnd(TimeSpan.FromSeconds(2));
            return _stdout.Snapshot() + _stderr.Snapshot();
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
            Process.Dispose();
        }
    }
}
