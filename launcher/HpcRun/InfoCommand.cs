using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using HpcMsg;
using HpcMsg.Configuration;

namespace HpcRun;

/// <summary>
/// <c>hpcrun --info</c>: every HPCMSG_ parameter with the value a rank started now would see and where
/// that value comes from (as ompi_info and ucx_info report theirs), then the transports this machine
/// offers. Runs nothing.
/// </summary>
internal static class InfoCommand
{
    public const string Option = "--info";

    /// <summary>Source words as printed (the tests look for them).</summary>
    public const string FromDefault = "default";
    public const string FromEnvironment = "environment";
    public const string FromLauncher = "set by launcher";

    /// <summary>Where an "environment" value reaches: the launch agent's process loses hpcrun's HPCMSG_
    /// variables (RankLaunch.Remote) and ssh passes no environment, so only -x values cross it.</summary>
    public const string EnvironmentReach = "(environment: hpcrun's own, inherited by the ranks it starts on this host and through srun; " +
        "ranks started on other hosts through the launch agent (ssh) see only -x values)";

    public const string FromExport = "-x";
    public const string FromIface = "--iface";
    public const string FromNp = "-n";

    /// <summary>The text for hpcrun's own environment alone (no options given with --info).</summary>
    public static string Render(Func<string, string?> getEnvironmentVariable) => Render(getEnvironmentVariable, []);

    /// <param name="getEnvironmentVariable">hpcrun's environment, which the ranks it starts inherit.</param>
    /// <param name="settings">What the options given with --info set for the ranks (-x, --iface): they
    /// replace hpcrun's values, as they do in a rank's environment, and are shown with their option.</param>
    public static string Render(Func<string, string?> getEnvironmentVariable, IReadOnlyList<InfoSetting> settings)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        ArgumentNullException.ThrowIfNull(settings);
        InfoSetting? SettingOf(string name) => settings.LastOrDefault(s => s.Name == name);
        Func<string, string?> rankEnvironment = name => SettingOf(name) is { } s ? s.Value : getEnvironmentVariable(name);
        Func<string, string?> sourceOf = name => SettingOf(name)?.Source;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"hpcrun {LauncherCommandLine.Version}: HpcMsg parameters (name = value (source; valid values))");
        text.AppendLine(EnvironmentReach);
        int width = Parameters.All.Max(p => p.Name.Length);
        foreach (Parameter p in Parameters.All.Where(p => p.Owner == ParameterOwner.User))
            text.AppendLine(Line(p, rankEnvironment, width, sourceOf));
        text.AppendLine("Set by hpcrun for each rank (a value from hpcrun's own environment is replaced for the ranks; one from an option given with --info is theirs):");
        foreach (Parameter p in Parameters.All.Where(p => p.Owner == ParameterOwner.Launcher))
            text.AppendLine(Line(p, rankEnvironment, width, sourceOf));
        text.AppendLine("Transports on this machine:");
        foreach (string line in TransportProbe.Describe())
            text.AppendLine(CultureInfo.InvariantCulture, $"  {line}");
        HpcMsg.Transports.Ofi.NetworkDecision decision = TransportProbe.Decide(rankEnvironment);
        string given = string.Join(", ", new[] { Parameters.Network.Name, Parameters.OfiProvider.Name }
            .Where(n => sourceOf(n) is not null).Select(n => $"{n} from {sourceOf(n)}"));
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Between hosts a job started now uses: {TransportProbe.Network(decision)}{(given.Length > 0 ? $" ({given})" : "")}");
        if (TransportProbe.BlockedRank(decision) is string waiting)
            text.AppendLine(CultureInfo.InvariantCulture, $"A rank blocked on it {waiting}");
        if (TransportProbe.Strangers(decision) is string strangers)
            text.AppendLine(CultureInfo.InvariantCulture, $"Traffic on it from outside the job {strangers}");
        if (TransportProbe.MemoryAndKey(decision) is string memory)
            text.AppendLine(CultureInfo.InvariantCulture, $"Memory and keys on it {memory}");
        return text.ToString();
    }

    /// <summary>One parameter: its value (or default), the source, and what is valid; a bad value says so.</summary>
    /// <param name="sourceOf">The option that set the variable for the ranks (-x, --iface), or null where
    /// the value, if any, is hpcrun's own environment's.</param>
    internal static string Line(Parameter p, Func<string, string?> env, int width, Func<string, string?>? sourceOf = null)
    {
        string? raw = p.RawValue(env);
        string? option = raw is null ? null : sourceOf?.Invoke(p.Name);
        string value, source;
        if (p.Owner == ParameterOwner.Launcher)
        {
            value = raw is null ? "(per rank)" : p.Secret ? "(hidden)" : raw;
            source = option ?? FromLauncher;
        }
        else if (raw is null)
        {
            value = p.DefaultText;
            source = FromDefault;
        }
        else
        {
            value = p.Secret ? "(hidden)" : raw;
            source = option ?? FromEnvironment;
        }
        string problem = string.Empty;
        if (raw is not null)
        {
            try
            {
                p.Validate(raw);
            }
            catch (HpcMsgException e)
            {
                problem = $"; INVALID, Init would fail: {e.Message}";
            }
        }
        return $"  {p.Name.PadRight(width)} = {value} ({source}; {p.ValidValues}{problem})";
    }
}

/// <summary>A variable an option given with --info sets for the ranks, and that option (-x, --iface).</summary>
internal sealed record InfoSetting(string Name, string Value, string Source);

/// <summary>What this machine offers each transport, found without starting a job.</summary>
internal static class TransportProbe
{
    public static IEnumerable<string> Describe()
    {
        yield return $"shared memory: {SharedMemory()}";
        yield return $"  cross-memory attach (HPCMSG_SHM_CMA, on by default): {CrossMemoryAttach()}";
        yield return $"tcp: {Tcp()}";
        yield return $"libfabric (HPCMSG_NETWORK=ofi): {Libfabric()}";
    }

    /// <summary>Whether this process (and so the ranks hpcrun would start) runs under a seccomp filter:
    /// "Seccomp: 2" in /proc/self/status.</summary>
    private static bool SeccompFiltered()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("Seccomp:", StringComparison.Ordinal)) return line.AsSpan(8).Trim().SequenceEqual("2");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return false;
    }

    /// <summary>Ranks of a node share one file in /dev/shm.</summary>
    internal static string SharedMemory()
    {
        const string dir = "/dev/shm";
        if (!Directory.Exists(dir)) return $"unavailable ({dir} does not exist)";
        string probe = Path.Combine(dir, $"hpcmsg-info-{Environment.ProcessId}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return $"available ({dir} is writable)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"unavailable ({dir} is not writable: {e.Message})";
        }
    }

    /// <summary>process_vm_readv between ranks: Yama's ptrace_scope decides whether one rank may read a
    /// sibling's memory (hpcrun starts ranks as siblings). Under scope 1 each rank consents with
    /// PR_SET_PTRACER, so only scopes 2 and 3 refuse (2 unless the ranks have CAP_SYS_PTRACE); a seccomp
    /// filter may refuse too. A refused pair of ranks uses the ring pipeline from its first refused read on.</summary>
    internal static string CrossMemoryAttach()
    {
        const string scopeFile = "/proc/sys/kernel/yama/ptrace_scope";
        string? scope = null;
        try
        {
            if (File.Exists(scopeFile)) scope = File.ReadAllText(scopeFile).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"unknown ({scopeFile}: {e.Message})";
        }
        string seccomp = SeccompFiltered() ? "; this process runs under a seccomp filter, which may refuse it (then the ring pipeline)" : "";
        return scope switch
        {
            null => $"allowed (no Yama restriction){seccomp}",
            "0" => $"allowed (Yama ptrace_scope 0){seccomp}",
            "1" => $"allowed (Yama ptrace_scope 1: each rank names any process its ptracer, PR_SET_PTRACER){seccomp}",
            "2" => "refused unless the ranks have CAP_SYS_PTRACE (Yama ptrace_scope 2); large messages then use the ring pipeline",
            _ => $"refused (Yama ptrace_scope {scope}); large messages use the ring pipeline",
        };
    }

    /// <summary>The IPv4 interfaces that --iface can pick (ranks on other hosts talk over TCP).</summary>
    internal static string Tcp()
    {
        IReadOnlyList<LocalInterface> interfaces;
        try
        {
            interfaces = LocalInterfaces.Snapshot();
        }
        catch (System.Net.NetworkInformation.NetworkInformationException e)
        {
            return $"interfaces unknown ({e.Message})";
        }
        var up = interfaces.Where(i => i.IsUp && i.IPv4Addresses.Count > 0)
            .Select(i => $"{i.Name} {string.Join(' ', i.IPv4Addresses.Select(a => a.ToString()))}{(i.IsLoopback ? " (loopback)" : "")}")
            .ToList();
        return up.Count == 0 ? "no IPv4 interface is up" : $"available; interfaces: {string.Join(", ", up)}";
    }

    /// <summary>The network a rank of a job across hosts would pick with these HPCMSG_NETWORK and
    /// HPCMSG_OFI_PROVIDER values (the rule and probe Init uses), and why; or the error Init would fail with.</summary>
    internal static string Network(Func<string, string?> getEnvironmentVariable) => Network(Decide(getEnvironmentVariable));

    internal static string Network(HpcMsg.Transports.Ofi.NetworkDecision decision) =>
        decision.Error is string error ? $"nothing: Init would fail: {error}" : decision.ToString();

    /// <summary>The decision Init would take with these HPCMSG_NETWORK and HPCMSG_OFI_PROVIDER values.</summary>
    internal static HpcMsg.Transports.Ofi.NetworkDecision Decide(Func<string, string?> getEnvironmentVariable)
    {
        // Raw: an invalid value is Decide's error to report, not an exception here.
        string? network = Parameters.Network.RawValue(getEnvironmentVariable);
        string? provider = Parameters.OfiProvider.RawValue(getEnvironmentVariable);
        return HpcMsg.Transports.Ofi.NetworkSelection.Decide(network, provider,
            p => HpcMsg.Transports.Ofi.OfiProbe.Run(HpcMsg.Transports.Ofi.OfiLibrary.Shared, p));
    }

    /// <summary>With libfabric chosen: how a rank blocked on its provider waits (the wait fd in the
    /// rank's one wait, or the bounded poll, and why); null for TCP or an error.</summary>
    internal static string? BlockedRank(HpcMsg.Transports.Ofi.NetworkDecision decision) =>
        decision is { Error: null, Network: HpcMsg.Transports.Ofi.NetworkKind.Ofi, Provider: string provider }
            ? $"({provider}): {HpcMsg.Transports.Ofi.OfiWaiting.Describe(provider, HpcMsg.Transports.Ofi.OfiLibrary.Shared.Version)}"
            : null;

    /// <summary>With libfabric chosen: what becomes of traffic from outside the job (dropped where the
    /// provider reports senders, else only the job key in the tag); null for TCP or an error.</summary>
    internal static string? Strangers(HpcMsg.Transports.Ofi.NetworkDecision decision) =>
        decision is { Error: null, Network: HpcMsg.Transports.Ofi.NetworkKind.Ofi, Provider: string provider }
            ? $"({provider}): {HpcMsg.Transports.Ofi.OfiProbe.DescribeStrangers(HpcMsg.Transports.Ofi.OfiLibrary.Shared, provider)}"
            : null;

    /// <summary>With libfabric chosen: whether buffers are registered (FI_MR_LOCAL) and what becomes of the
    /// provider's auth_key; null for TCP or an error.</summary>
    internal static string? MemoryAndKey(HpcMsg.Transports.Ofi.NetworkDecision decision) =>
        decision is { Error: null, Network: HpcMsg.Transports.Ofi.NetworkKind.Ofi, Provider: string provider }
            ? $"({provider}): {HpcMsg.Transports.Ofi.OfiProbe.DescribeMemoryAndKey(HpcMsg.Transports.Ofi.OfiLibrary.Shared, provider)}"
            : null;

    /// <summary>Whether the libfabric library loads; which providers work is the OFI transport's own probe.</summary>
    internal static string Libfabric()
    {
        const string library = "libfabric.so.1";
        if (!NativeLibrary.TryLoad(library, out IntPtr handle)) return $"unavailable ({library} does not load)";
        NativeLibrary.Free(handle);
        return $"{library} loads";
    }
}
