using System.Net;

namespace HpcRun;

/// <summary>
/// Whether a host named in a hostfile is this machine: then its ranks are started directly, as in a
/// one-host job, rather than through the launch agent. Names are compared, never looked up: localhost,
/// a loopback address, one of this machine's addresses, or this machine's name (or its FQDN).
/// </summary>
internal sealed class HostLocality
{
    private readonly string _machineName;
    private readonly IReadOnlyList<IPAddress> _addresses;

    public HostLocality(string machineName, IReadOnlyList<IPAddress> addresses)
    {
        _machineName = machineName;
        _addresses = addresses;
    }

    public static HostLocality ForThisMachine(IReadOnlyList<LocalInterface> interfaces) =>
        new(Environment.MachineName, LocalInterfaces.AllAddresses(interfaces));

    public bool IsLocal(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        string machine = HostNames.MachinePart(host);
        if (machine.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || machine.Equals("localhost.localdomain", StringComparison.OrdinalIgnoreCase))
            return true;
        if (IPAddress.TryParse(machine, out IPAddress? address))
            return IPAddress.IsLoopback(address) || _addresses.Contains(address);
        return machine.Equals(_machineName, StringComparison.OrdinalIgnoreCase)
               || machine.StartsWith(_machineName + ".", StringComparison.OrdinalIgnoreCase);
    }
}
