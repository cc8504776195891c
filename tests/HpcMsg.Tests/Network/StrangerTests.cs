using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Network;

/// <summary>
/// While a job over two hosts runs, a stranger connects to every port the job listens on (hpcrun's
/// rendezvous and each rank's) without the job's secret and sends garbage, including absurd length
/// claims. The job must carry on unharmed, and the refusals must be logged on stderr.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed partial class StrangerTests(ITestOutputHelper log) : IClassFixture<NetworkNamespaces>
{
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(90);

    [NetnsFact]
    public void Strangers_with_a_wrong_secret_are_refused_and_the_job_is_unaffected()
    {
        string dir = Directory.CreateTempSubdirectory("hpcmsg-stranger-").FullName;
        var attacked = new List<IPEndPoint>();
        try
        {
            JobResult result = NetnsJob.Run(log, new JobSpec(4, "stranger", dir), [("hpcA", 2), ("hpcB", 2)],
                whileRunning: (launcherPid, _) =>
                {
                    WaitFor(Path.Combine(dir, "ready"));
                    attacked.AddRange(ListeningPorts(launcherPid));
                    foreach (IPEndPoint endpoint in attacked) Attack(endpoint);
                    File.WriteAllText(Path.Combine(dir, "go"), "go\n");
                });
            log.WriteLine($"attacked: {string.Join(", ", attacked)}");
            JobAssert.Succeeded(result, "stranger");
            // hpcrun's rendezvous and at least one rank on each host.
            Assert.True(attacked.Any(e => e.Address.Equals(IPAddress.Parse("10.213.0.254"))), $"no rendezvous port found\n{result}");
            Assert.True(attacked.Any(e => e.Address.Equals(IPAddress.Parse("10.213.0.1"))), $"no rank port found on hpcA\n{result}");
            Assert.True(attacked.Any(e => e.Address.Equals(IPAddress.Parse("10.213.0.2"))), $"no rank port found on hpcB\n{result}");
            JobAssert.StderrHasLineWith(result, "refused", "rendezvous");
            int refusals = result.Stderr.Split('\n').Count(l => Refusal().IsMatch(l));
            Assert.True(refusals >= attacked.Count, $"expected a refusal logged for each of the {attacked.Count} ports attacked, found {refusals}\n{result}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void WaitFor(string file)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(file))
        {
            if (clock.Elapsed > ReadyWithin) throw new TimeoutException($"{file} did not appear within {ReadyWithin.TotalSeconds:F0} s");
            Thread.Sleep(50);
        }
    }

    /// <summary>hpcrun's listening sockets in the root namespace, and every listening socket in the hosts'
    /// namespaces (nothing else runs there).</summary>
    private static List<IPEndPoint> ListeningPorts(int launcherPid)
    {
        var found = new List<IPEndPoint>();
        foreach (string line in Command.Run("ss", "-Htlnp").Stdout.Split('\n'))
            if (line.Contains($"pid={launcherPid},", StringComparison.Ordinal) && LocalEndpoint(line, null) is IPEndPoint e) found.Add(e);
        foreach (string host in NetworkNamespaces.Hosts.Take(2))
            foreach (string line in Command.Run("ip", "netns", "exec", host, "ss", "-Htln").Stdout.Split('\n'))
                if (LocalEndpoint(line, NetworkNamespaces.AddressOf(host)) is IPEndPoint e) found.Add(e);
        return found;
    }

    /// <summary>"LISTEN 0 16 10.213.0.1:40000 0.0.0.0:*" → 10.213.0.1:40000; a wildcard address becomes
    /// <paramref name="wildcardAs"/>; loopback ones cannot be reached from here and are left out.</summary>
    private static IPEndPoint? LocalEndpoint(string line, string? wildcardAs)
    {
        string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (columns.Length < 4 || !IPEndPoint.TryParse(columns[3].Replace("*:", "0.0.0.0:", StringComparison.Ordinal), out IPEndPoint? e)) return null;
        if (e.AddressFamily != AddressFamily.InterNetwork || IPAddress.IsLoopback(e.Address)) return null;
        if (e.Address.Equals(IPAddress.Any))
            return wildcardAs is null ? null : new IPEndPoint(IPAddress.Parse(wildcardAs), e.Port);
        return e;
    }

    /// <summary>Three strangers: random bytes where the proof of the secret should be, a flood of 0xFF
    /// (absurd lengths), and one that connects and leaves at once.</summary>
    private static void Attack(IPEndPoint endpoint)
    {
        Send(endpoint, RandomNumberGenerator.GetBytes(256));
        Send(endpoint, Enumerable.Repeat((byte)0xFF, 4096).ToArray());
        Send(endpoint, []);
    }

    private static void Send(IPEndPoint endpoint, byte[] bytes)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(endpoint);
            if (bytes.Length > 0) socket.Send(bytes);
            socket.Shutdown(SocketShutdown.Send);
            // Give the job a moment to read and refuse us before the connection goes.
            socket.ReceiveTimeout = 2000;
            try { socket.Receive(new byte[1024]); }
            catch (SocketException) { }
        }
        catch (SocketException)
        {
            // Refused or reset: the job closed the door on us, as it should.
        }
    }

    [GeneratedRegex("refus|reject", RegexOptions.IgnoreCase)]
    private static partial Regex Refusal();
}
