using System.Reflection;
using System.Runtime.CompilerServices;
using HpcMsg.Bootstrap;
using HpcMsg.Transports.Tcp;

namespace HpcMsg.Tests.Transports;

/// <summary>A mesh without rendezvous or listener (as if built and already handed to the transport):
/// its lifeline has no word, and disposing it does nothing. Tests put their own connections (loopback
/// socket pairs) in its <see cref="TcpMesh.Connections"/> table, which the transport uses.</summary>
internal static class FakeMesh
{
    public static TcpMesh Create(int size)
    {
        var mesh = (TcpMesh)RuntimeHelpers.GetUninitializedObject(typeof(TcpMesh));
        var lifeline = RuntimeHelpers.GetUninitializedObject(typeof(RendezvousClient));
        typeof(TcpMesh).GetField("_control", BindingFlags.Instance | BindingFlags.NonPublic)!.SetValue(mesh, lifeline);
        typeof(TcpMesh).GetField("_disposed", BindingFlags.Instance | BindingFlags.NonPublic)!.SetValue(mesh, true);
        typeof(TcpMesh).GetField("<Connections>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic)!.SetValue(mesh, new TcpConnection?[size]);
        typeof(TcpMesh).GetField("_opened", BindingFlags.Instance | BindingFlags.NonPublic)!.SetValue(mesh, new System.Collections.Concurrent.ConcurrentQueue<TcpMesh.Opened>());
        return mesh;
    }
}
