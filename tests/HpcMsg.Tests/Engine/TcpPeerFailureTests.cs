using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using HpcMsg.Bootstrap;
using HpcMsg.Engine;
using HpcMsg.Transports.Wire;
using HpcMsg.Transports.Tcp;
using HpcMsg.Tests.Infrastructure;
using HpcMsg.Tests.Transports;

namespace HpcMsg.Tests.Engine;

/// <summary>
/// Issue 15: a broken TCP connection was disposed but stayed in the engine's table, so the next
/// progress pass threw ObjectDisposedException, the await pump stopped, and later awaits hung. Here an
/// engine of rank 0 in a job of 3 has connections to ranks 1 and 2 on "other hosts" (loopback socket
/// pairs; no hpcrun, so nobody else says that the job is ending): rank 1's connection breaks while a
/// receive from it is awaited. That await, and a later one, throw RankFailedException naming rank 1,
/// and a message from rank 2 still arrives.
/// </summary>
public sealed class TcpPeerFailureTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_broken_connection_fails_what_involves_its_peer_and_progress_goes_on()
    {
        var (mine1, theirs1) = LoopbackSockets.ConnectedPair();
        var (mine2, theirs2) = LoopbackSockets.ConnectedPair();
        TcpMesh mesh = FakeMesh.Create(3);
        mesh.Connections[1] = new TcpConnection(1, mine1); // the transport's connections are the mesh's table
        mesh.Connections[2] = new TcpConnection(2, mine2);
        var engine = new ProgressEngine(new JobEnvironment(0, 3, "unit-tcp-fail", null, 0, false), null, new TcpTransport(mesh, 0));
        nint buffer = Alloc(16);
        try
        {

            Request fromOne = Receive(engine, 1, buffer);
            Task<Status> awaited = AwaitAsync(fromOne);
            theirs1.Dispose(); // rank 1 dies: its end of stream comes without a Bye
            RankFailedException first = await Assert.ThrowsAsync<RankFailedException>(() => WithinLimit(awaited));
            Assert.Equal(1, first.FailedRank);

            // The pump is still running: a later await on the dead peer fails too, instead of hanging.
            RankFailedException again = await Assert.ThrowsAsync<RankFailedException>(() => WithinLimit(AwaitAsync(Receive(engine, 1, buffer))));
            Assert.Equal(1, again.FailedRank);

            // And rank 2's traffic still flows.
            Request fromTwo = Receive(engine, 2, buffer + 8);
            Task<Status> second = AwaitAsync(fromTwo);
            SendEager(theirs2, source: 2, tag: 5, value: 4242);
            Status status = await WithinLimit(second);
            Assert.Equal(2, status.Source);
            Assert.Equal(4242, Marshal.ReadInt32(buffer + 8));
        }
        finally
        {
            engine.Dispose();
            theirs2.Dispose();
            mine1.Dispose();
            mine2.Dispose();
            Free(buffer);
        }
    }

    private static async Task<Status> AwaitAsync(Request r) => await r;

    private static async Task<T> WithinLimit<T>(Task<T> task)
    {
        if (await Task.WhenAny(task, Task.Delay(Limit)) != task) Assert.Fail("the await hung");
        return await task;
    }

    private static unsafe nint Alloc(int bytes) => (nint)NativeMemory.Alloc((nuint)bytes);

    private static unsafe void Free(nint p) => NativeMemory.Free((void*)p);

    private static unsafe Request Receive(ProgressEngine engine, int source, nint buffer)
    {
        return new Request(engine, engine.PostNewReceive(ContextIds.World, source, source, 5, sizeof(int), (byte*)buffer, sizeof(int), default, pinned: false));
    }

    private static void SendEager(Socket s, int source, int tag, int value)
    {
        var header = new RecordHeader
        {
            LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Eager),
            Context = ContextIds.World,
            Source = source,
            Tag = tag,
            MessageBytes = sizeof(int),
        };
        var bytes = new byte[RecordHeader.Size + sizeof(int)];
        MemoryMarshal.Write(bytes, in header);
        MemoryMarshal.Write(bytes.AsSpan(RecordHeader.Size), in value);
        s.Send(bytes);
    }
}
