using HpcMsg.Internal;
using HpcMsg.Tests.Infrastructure;

namespace HpcMsg.Tests.Network;

/// <summary>
/// Whether this machine can run the tests across network namespaces: Linux, root, the checkout's .ci
/// scripts, and an <c>ip netns add</c> that works (a container without CAP_SYS_ADMIN refuses it).
/// Probed once. With HPCMSG_NETNS_REQUIRED=1 (set by .ci/run, which runs as root) a missing
/// prerequisite fails the tests instead of skipping them.
/// </summary>
internal static class NetnsSupport
{
    public const string RequiredVariable = "HPCMSG_NETNS_REQUIRED";

    private static readonly Lazy<string?> Missing = new(Probe);

    /// <summary>Why the tests cannot run here, or null when they can.</summary>
    public static string? WhyUnavailable => Missing.Value;

    public static bool Required => Environment.GetEnvironmentVariable(RequiredVariable) == "1";

    public static string ScriptsDirectory => Path.Combine(RepositoryRoot.Path, ".ci");

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "network namespaces exist on Linux only";
        if (Native.geteuid() != 0) return "creating network namespaces needs root (run as root, as .ci/run does)";
        if (RepositoryRoot.Find() is not string root || !File.Exists(Path.Combine(root, ".ci", "netns-up")))
            return "the .ci/netns-up script of the checkout was not found";
        string probe = $"hpcprobe{Environment.ProcessId}";
        Command.Result add = Command.Run("ip", "netns", "add", probe);
        if (add.ExitCode != 0) return $"'ip netns add' failed here: {add.Stderr.Trim()}{add.Stdout.Trim()}";
        Command.Run("ip", "netns", "del", probe);
        return null;
    }
}
