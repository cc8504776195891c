using System.Net;
using System.Net.Sockets;

namespace HpcMsg.Bootstrap;

/// <summary>
/// A rank's side of the rendezvous: publish this rank's TCP endpoint, read everyone's, then keep the
/// connection as a lifeline: when it drops before finalize, hpcrun is gone and this rank exits.
/// </summary>
internal sealed class RendezvousClient : IDisposable
{
    private readonly Socket _socket;
    private volatile bool _closing;

    private RendezvousClient(Socket socket) => _socket = socket;

    public static RendezvousClient Connect(string address, byte[] secret, int rank)
    {
        IPEndPoint endpoint = IPEndPoint.TryParse(address, out IPEndPoint? parsed)
            ? parsed
            : throw new HpcMsgException($"{JobEnvironment.RendezvousVar}='{address}' is not an ip:port");
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Connect(endpoint);
            JobAuth.Connect(socket, secret, rank);
        }
        catch (Exception e) when (e is SocketException or HpcMsgException)
        {
            socket.Dispose();
            throw new HpcMsgException($"rank {rank}: cannot join the job's rendezvous at {address}: {e.Message}", e);
        }
        return new RendezvousClient(socket);
    }

    /// <summary>The local address of the connection to hpcrun: one that the other hosts can reach.</summary>
    public IPAddress LocalAddress => ((IPEndPoint)_socket.LocalEndPoint!).Address;

    public string[] Exchange(string myEndpoint, int np)
    {
        RendezvousServer.WriteString(_socket, myEndpoint);
        var all = new string[np];
        for (int r = 0; r < np; r++) all[r] = RendezvousServer.ReadString(_socket);
        new Thread(WatchLauncher) { IsBackground = true, Name = "HpcMsg lifeline" }.Start();
        return all;
    }

    private void WatchLauncher()
    {
        Span<byte> one = stackalloc byte[1];
        try
        {
            while (_socket.Receive(one) > 0) { }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        if (_closing) return;
        Console.Error.WriteLine("hpcmsg: lost the connection to hpcrun; this rank exits");
        Console.Error.Flush();
        Environment.Exit(1);
    }

    public void Dispose()
    {
        _closing = true;
        _socket.Dispose();
    }
}
