using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace HpcRun;

/// <summary>One network interface of this host as --iface sees it.</summary>
internal sealed record LocalInterface(string Name, bool IsUp, bool IsLoopback, IReadOnlyList<IPAddress> IPv4Addresses);

/// <summary>This host's network interfaces and addresses, read once when needed.</summary>
internal static class LocalInterfaces
{
    public static IReadOnlyList<LocalInterface> Snapshot()
    {
        var list = new List<LocalInterface>();
        foreach (NetworkInterface ni in NetworkInterface.GetAllNetworkInterfaces())
        {
            IPAddress[] v4;
            try
            {
                v4 = [.. ni.GetIPProperties().UnicastAddresses
                    .Select(a => a.Address)
                    .Where(a => a.AddressFamily == AddressFamily.InterNetwork)];
            }
            catch (NetworkInformationException)
            {
                continue;
            }
            // Many virtual interfaces (veth, bridges) report Unknown rather than Up while they work.
            bool up = ni.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown;
            list.Add(new LocalInterface(ni.Name, up, ni.NetworkInterfaceType == NetworkInterfaceType.Loopback, v4));
        }
        return list;
    }

    /// <summary>Every IPv4 address of this host, loopback included.</summary>
    public static IReadOnlyList<IPAddress> AllAddresses(IReadOnlyList<LocalInterface> interfaces)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        return [.. interfaces.SelectMany(i => i.IPv4Addresses)];
    }
}
