using System.Net;
using System.Net.Sockets;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>TCP sockets for in-process transport tests: two ends of one loopback connection.</summary>
internal static class LoopbackSockets
{
    public static (Socket Mine, Socket Theirs) ConnectedPair()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var theirs = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        theirs.Connect(listener.LocalEndPoint!);
        Socket mine = listener.Accept();
        return (mine, theirs);
    }
}
