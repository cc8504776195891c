using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using HpcMsg.Transports;
using HpcMsg.Transports.Wire;
using HpcMsg.Transports.Tcp;
using HpcMsg.Tests.Infrastructure;

namespace HpcMsg.Tests.Transports;

/// <summary>
/// Issue 15: an end of stream between two frames passed as an orderly close, so a blocked receive from
/// a peer that died waited for ever. It is orderly only after the peer announced it (Bye at finalize,
/// or Abort); otherwise the connection is broken, its failure names the peer, and it is never used again.
/// </summary>
public sealed class TcpConnectionTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public void An_end_of_stream_without_a_bye_is_the_peers_failure()
    {
        var transport = new TcpTransport(FakeMesh.Create(2), 0);
        var (mine, theirs) = LoopbackSockets.ConnectedPair();
        var c = new TcpConnection(1, mine);
        theirs.Dispose(); // the peer's process ends without finalizing

        TransportException e = Assert.Throws<TransportException>(() => ReceiveUntil(c, transport, () => false));
        Assert.Equal((TransportFailureKind.PeerLost, 1), (e.Kind, e.Rank));
        Assert.Contains("without finalizing", e.Message, StringComparison.Ordinal);
        Assert.Same(e, c.Failure);
        Assert.False(c.Usable);
        Assert.False(c.ClosedByPeer);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_end_of_stream_after_a_bye_or_an_abort_is_an_orderly_close(bool abort)
    {
        RecordKind announced = abort ? RecordKind.Abort : RecordKind.Bye;
        var transport = new TcpTransport(FakeMesh.Create(2), 0);
        var (mine, theirs) = LoopbackSockets.ConnectedPair();
        var c = new TcpConnection(1, mine);
        var header = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, announced), Token1 = 9 };
        var bytes = new byte[RecordHeader.Size];
        MemoryMarshal.Write(bytes, in header);
        theirs.Send(bytes);
        theirs.Dispose();

        ReceiveUntil(c, transport, () => c.ClosedByPeer);
        Assert.Null(c.Failure);
        Assert.False(c.Usable);
    }

    [Fact]
    public void An_end_of_stream_inside_a_frame_header_is_a_failure_even_after_a_bye()
    {
        var transport = new TcpTransport(FakeMesh.Create(2), 0);
        var (mine, theirs) = LoopbackSockets.ConnectedPair();
        var c = new TcpConnection(1, mine);
        var header = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Bye) };
        var bytes = new byte[RecordHeader.Size + 10];
        MemoryMarshal.Write(bytes, in header);
        theirs.Send(bytes); // a Bye, then 10 bytes of a header that never ends
        theirs.Dispose();

        TransportException e = Assert.Throws<TransportException>(() => ReceiveUntil(c, transport, () => false));
        Assert.Equal((TransportFailureKind.PeerLost, 1), (e.Kind, e.Rank));
        Assert.Contains("middle of a frame header", e.Message, StringComparison.Ordinal);
    }

    private static void ReceiveUntil(TcpConnection c, TcpTransport transport, Func<bool> done)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(clock.Elapsed < Limit, "the connection neither closed nor failed");
            c.Receive(transport); // the transport keeps the connection-level protocol (Bye, Abort)
            Thread.Sleep(1);
        }
    }
}
