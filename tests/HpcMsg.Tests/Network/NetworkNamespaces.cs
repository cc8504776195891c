using System.Text.RegularExpressions;

namespace HpcMsg.Tests.Network;

/// <summary>
/// Three hosts with separate network stacks, as .ci/netns-up makes them: namespaces hpcA, hpcB, hpcC at
/// 10.213.0.1-3 on the bridge hpcbr0, which gives the root namespace (where hpcrun runs) 10.213.0.254.
/// Reuses them when .ci/run has set them up (and will remove them); otherwise sets them up here and
/// removes them when the test class is done.
/// </summary>
public sealed partial class NetworkNamespaces : IDisposable
{
    public const string Subnet = "10.213.0.0/24";
    public const string Agent = "ip netns exec {host}";
    public static readonly string[] Hosts = ["hpcA", "hpcB", "hpcC"];

    private readonly bool _created;

    public NetworkNamespaces()
    {
        if (NetnsSupport.WhyUnavailable is string why)
        {
            if (NetnsSupport.Required)
                throw new InvalidOperationException($"{NetnsSupport.RequiredVariable}=1 but the network namespace tests cannot run: {why}");
            return; // every test is skipped
        }
        if (AreUp()) return;
        Command.Result up = Command.Run(Path.Combine(NetnsSupport.ScriptsDirectory, "netns-up"));
        _created = true;
        if (up.ExitCode != 0 || !AreUp())
        {
            Dispose();
            throw new InvalidOperationException($".ci/netns-up failed: {up}");
        }
    }

    public static string AddressOf(string host) => $"10.213.0.{Array.IndexOf(Hosts, host) + 1}";

    /// <summary>Processes running in <paramref name="host"/>'s namespace.</summary>
    public static IReadOnlyList<int> ProcessesIn(string host) =>
        [.. Command.Run("ip", "netns", "pids", host).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse)];

    private static bool AreUp()
    {
        string list = Command.Run("ip", "netns", "list").Stdout;
        return Hosts.All(h => Regex.IsMatch(list, $@"^{h}\b", RegexOptions.Multiline))
               && Command.Run("ip", "-4", "-o", "addr", "show", "dev", "hpcbr0").Stdout.Contains("10.213.0.254/24", StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (_created) Command.Run(Path.Combine(NetnsSupport.ScriptsDirectory, "netns-down"));
    }
}
