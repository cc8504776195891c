using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HpcRun;

/// <summary>
/// Which of this machine's addresses the nodes of a Slurm allocation can reach, for the job's rendezvous
/// when no --iface was given. hpcrun may run on a login node (salloc) whose first interface is not on the
/// cluster's network, and node names need not resolve here: the nodes' addresses come from Slurm
/// (<c>sinfo</c>'s NodeAddr, looked up only when it is a name), and the kernel's route to them says
/// which local address they see us by.
/// </summary>
internal static class SlurmRoute
{
    private static readonly TimeSpan SinfoTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The local address on the route to the allocation's nodes, or null when none can be found
    /// (the caller then falls back to the first non-loopback address).</summary>
    public static IPAddress? LocalAddressToward(IReadOnlyList<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        foreach (IPAddress node in NodeAddresses(nodes))
            if (SourceAddressFor(node) is IPAddress local) return local;
        return null;
    }

    /// <summary>The local address the kernel would send from to reach <paramref name="destination"/>
    /// (a UDP connect sends nothing).</summary>
    public static IPAddress? SourceAddressFor(IPAddress destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(new IPEndPoint(destination, 9));
            return probe.LocalEndPoint is IPEndPoint { Address: var a } && !a.Equals(IPAddress.Any) ? a : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static IEnumerable<IPAddress> NodeAddresses(IReadOnlyList<string> nodes)
    {
        Dictionary<string, string> addr = NodeAddrFromSlurm(nodes);
        foreach (string node in nodes)
        {
            string name = addr.GetValueOrDefault(node, node);
            if (IPAddress.TryParse(name, out IPAddress? ip))
            {
                if (ip.AddressFamily == AddressFamily.InterNetwork) yield return ip;
                continue;
            }
            IPAddress[] found;
            try
            {
                found = Dns.GetHostAddresses(name, AddressFamily.InterNetwork);
            }
            catch (SocketException)
            {
                continue;
            }
            foreach (IPAddress a in found) yield return a;
        }
    }

    /// <summary>NodeName -> NodeAddr for the nodes, from <c>sinfo -h -N -n LIST -o "%N %o"</c>; empty if sinfo fails.</summary>
    private static Dictionary<string, string> NodeAddrFromSlurm(IReadOnlyList<string> nodes)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var psi = new ProcessStartInfo("sinfo")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string a in (string[])["-h", "-N", "-n", string.Join(',', nodes.Take(64)), "-o", "%N %o"]) psi.ArgumentList.Add(a);
        try
        {
            using Process p = Process.Start(psi)!;
            p.StandardInput.Close();
            Task<string> output = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(SinfoTimeout))
            {
                p.Kill(entireProcessTree: true);
                return map;
            }
            foreach (string line in output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2) map[parts[0]] = parts[1];
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No sinfo here: the names are looked up instead.
        }
        return map;
    }
}
