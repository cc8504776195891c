using System.Net;

namespace HpcRun;

/// <summary>
/// Turns <c>--iface NAME|CIDR|ADDRESS</c> into the local IPv4 address that the job's rendezvous listens on
/// (and that hpcrun's own ranks listen on). Without --iface: 127.0.0.1 when every host is this one,
/// else the first non-loopback IPv4 address of an interface that is up.
/// </summary>
internal static class InterfaceResolver
{
    /// <summary>Checks the syntax only (a name cannot be checked before the job runs): for the command line.</summary>
    public static void Validate(string iface)
    {
        ArgumentNullException.ThrowIfNull(iface);
        if (iface.Contains('/', StringComparison.Ordinal))
        {
            if (!IPNetwork.TryParse(iface, out IPNetwork net) || net.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
                throw Usage($"--iface '{iface}': not an IPv4 address range (expected e.g. 10.0.0.0/24)");
            return;
        }
        if (iface.Length == 0 || iface.Any(char.IsWhiteSpace))
            throw Usage($"--iface '{iface}': expected an interface name or an IPv4 address range");
    }

    public static IPAddress Resolve(string? iface, bool everyHostIsLocal, IReadOnlyList<LocalInterface> interfaces)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        if (iface is null)
        {
            if (everyHostIsLocal) return IPAddress.Loopback;
            return interfaces.Where(i => i.IsUp && !i.IsLoopback)
                       .SelectMany(i => i.IPv4Addresses).FirstOrDefault(a => !IPAddress.IsLoopback(a))
                   ?? throw Usage("this host has no non-loopback IPv4 address for the other hosts to reach; name one with --iface");
        }
        if (iface.Contains('/', StringComparison.Ordinal))
        {
            Validate(iface);
            IPNetwork net = IPNetwork.Parse(iface);
            return interfaces.Where(i => i.IsUp).SelectMany(i => i.IPv4Addresses).FirstOrDefault(net.Contains)
                   ?? throw Usage($"--iface {iface}: no address of this host is in that range (this host has {Known(interfaces)})");
        }
        if (IPAddress.TryParse(iface, out IPAddress? address))
        {
            return LocalInterfaces.AllAddresses(interfaces).FirstOrDefault(address.Equals)
                   ?? throw Usage($"--iface {iface}: not an address of this host (this host has {Known(interfaces)})");
        }
        LocalInterface? named = interfaces.FirstOrDefault(i => i.Name == iface)
            ?? throw Usage($"--iface {iface}: no such network interface (this host has {Known(interfaces)})");
        return named.IPv4Addresses.FirstOrDefault()
               ?? throw Usage($"--iface {iface}: the interface has no IPv4 address");
    }

    private static string Known(IReadOnlyList<LocalInterface> interfaces)
    {
        var parts = interfaces.Select(i => i.IPv4Addresses.Count == 0 ? i.Name : $"{i.Name} {string.Join(' ', i.IPv4Addresses)}").ToList();
        return parts.Count == 0 ? "no interfaces" : string.Join(", ", parts);
    }

    private static LauncherException Usage(string message) => new(message, ExitCodes.Usage);
}
