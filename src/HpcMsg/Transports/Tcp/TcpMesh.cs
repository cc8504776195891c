using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using HpcMsg.Bootstrap;

namespace HpcMsg.Transports.Tcp;

/// <summary>
/// The job's TCP connections, one per pair of ranks on different hosts. Each rank listens, publishes
/// its endpoint through the rendezvous, connects to every remote rank below it and accepts every
/// remote rank above it: one connection per pair, no races when both start at once. Every
/// connection proves the job secret first; the listener stays open to refuse (and log) strangers.
/// </summary>
internal sealed class TcpMesh : IDisposable
{
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(60);
    private readonly Socket _listener;
    private readonly IJobControl _control;
    private readonly byte[] _secret;
    private readonly int _rank;
    private readonly Func<int, bool> _expectAccept;
    private readonly Lock _lock = new();
    private volatile bool _disposed;

    public TcpConnection?[] Connections { get; }

    /// <summary>What hpcrun said about the job's end through the rendezvous connection (null: nothing yet).</summary>
    public JobEndWord? LauncherWord => _control.LauncherWord;

    /// <summary>Tells hpcrun that this rank aborts with <paramref name="errorCode"/> (best effort).</summary>
    public void TellLauncherAbort(int errorCode) => _control.TellAbort(errorCode);

    private TcpMesh(JobEnvironment job, IJobControl control, Func<int, bool> isRemote)
    {
        _control = control;
        _secret = job.Secret!;
        _rank = job.Rank;
        Connections = new TcpConnection?[job.Size];
        _expectAccept = r => r > job.Rank && isRemote(r);
        IPAddress address = job.IfaceAddress is { Length: > 0 } given
            ? (IPAddress.TryParse(given, out IPAddress? parsed) ? parsed : throw new HpcMsgException($"{JobEnvironment.IfaceAddressVar}='{given}' is not an IP address"))
            : job.Iface is { Length: > 0 } iface ? InterfaceAddress.Resolve(iface) : control.LocalAddress ?? throw new HpcMsgException($"rank {job.Rank}: no address to listen on: set {JobEnvironment.IfaceVar} or {JobEnvironment.IfaceAddressVar}");
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, 0));
        _listener.Listen(Math.Max(16, job.Size));
    }

    /// <summary>Connects to the rest of the job through <paramref name="control"/>, which the mesh owns from here on.</summary>
    public static TcpMesh Establish(JobEnvironment job, IJobControl control, Func<int, bool> isRemote)
    {
        TcpMesh mesh;
        try { mesh = new TcpMesh(job, control, isRemote); }
        catch
        {
            control.Dispose();
            throw;
        }
        try
        {
            mesh.Connect(job, isRemote);
            return mesh;
        }
        catch
        {
            mesh.Dispose();
            throw;
        }
    }

    private void Connect(JobEnvironment job, Func<int, bool> isRemote)
    {
        _control.ExchangeEndpoints(_listener.LocalEndPoint!.ToString()!);
        new Thread(AcceptLoop) { IsBackground = true, Name = "HpcMsg TCP acceptor" }.Start();
        for (int peer = 0; peer < job.Rank; peer++)
        {
            if (!isRemote(peer)) continue;
            Socket socket = Dial(peer, _control.EndpointOf(peer));
            using (_lock.EnterScope()) Connections[peer] = new TcpConnection(peer, socket);
        }
        DateTime deadline = DateTime.UtcNow + SetupTimeout;
        while (true)
        {
            var missing = new List<int>();
            using (_lock.EnterScope())
            {
                for (int peer = job.Rank + 1; peer < job.Size; peer++)
                    if (isRemote(peer) && Connections[peer] is null) missing.Add(peer);
            }
            if (missing.Count == 0) return;
            if (DateTime.UtcNow > deadline)
                throw new HpcMsgException($"rank {_rank}: ranks {string.Join(", ", missing)} did not connect within {SetupTimeout.TotalSeconds:F0} s (is a firewall in the way, or --iface wrong?)");
            Thread.Sleep(2);
        }
    }

    private Socket Dial(int peer, string endpoint)
    {
        if (!IPEndPoint.TryParse(endpoint, out IPEndPoint? target))
            throw new HpcMsgException($"rank {_rank}: rank {peer} published a malformed endpoint '{endpoint}'");
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(target);
            JobAuth.Connect(socket, _secret, _rank);
            return socket;
        }
        catch (Exception e) when (e is SocketException or HpcMsgException)
        {
            socket.Dispose();
            throw new RankFailedException(peer, $"rank {_rank}: cannot connect to rank {peer} at {endpoint}: {e.Message}");
        }
    }

    private void AcceptLoop()
    {
        while (!_disposed)
        {
            Socket socket;
            try { socket = _listener.Accept(); }
            catch (Exception) when (_disposed) { return; }
            catch (SocketException) { continue; }
            new Thread(() => Admit(socket)) { IsBackground = true, Name = "HpcMsg TCP handshake" }.Start();
        }
    }

    private void Admit(Socket socket)
    {
        string from = socket.RemoteEndPoint?.ToString() ?? "?";
        try
        {
            int peer = JobAuth.Accept(socket, _secret);
            using (_lock.EnterScope())
            {
                if ((uint)peer >= (uint)Connections.Length || !_expectAccept(peer) || Connections[peer] is not null)
                    throw new AuthenticationFailedException($"rank {peer} is not expected to connect to rank {_rank}");
                Connections[peer] = new TcpConnection(peer, socket);
            }
        }
        catch (Exception e) when (e is HpcMsgException or SocketException or ObjectDisposedException)
        {
            if (!_disposed)
            {
                Console.Error.WriteLine($"hpcmsg: rank {_rank} refused a connection from {from}: {e.Message}");
                Console.Error.Flush();
            }
            socket.Dispose();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _listener.Dispose();
        foreach (TcpConnection? c in Connections) c?.Dispose();
        _control.Dispose();
    }
}

/// <summary>Turns --iface (an interface name or an IPv4 range in CIDR form) into a local address.</summary>
internal static class InterfaceAddress
{
    public static IPAddress Resolve(string iface)
    {
        IPNetwork? range = IPNetwork.TryParse(iface, out IPNetwork parsed) ? parsed : null;
        foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (UnicastIPAddressInformation a in nic.GetIPProperties().UnicastAddresses)
            {
                if (a.Address.AddressFamily != AddressFamily.InterNetwork) continue;
                if (range is { } r ? r.Contains(a.Address) : nic.Name == iface) return a.Address;
            }
        }
        throw new HpcMsgException($"{JobEnvironment.IfaceVar}='{iface}': no local IPv4 address on that interface or in that range");
    }
}
