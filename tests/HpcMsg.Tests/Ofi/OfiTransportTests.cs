using System.Runtime.InteropServices;
using HpcMsg.Transports;
using HpcMsg.Transports.Ofi;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Tests.Ofi;

/// <summary>
/// Two libfabric transports in this process, ranks 0 and 1 on loopback, each reporting to a recording
/// sink as the engine's would: an eager message arrives whole with its header; a large message's
/// payload lands in the buffer the receiver names for its Data header and completes the sender's send;
/// records sent after a large message reach the sink after its payload, in sending order; control
/// records carry their tokens. (Across hosts, through the engine: Network/OfiMultiHostJobTests.)
/// With buffers registered (FI_MR_LOCAL's path, forced: neither test provider asks for it) the slots are
/// registered once, a large message's buffer once on each side for that message and closed when it
/// completes, every post carries a descriptor, and nothing stays registered after Close.
/// </summary>
public sealed unsafe class OfiTransportTests
{
    [OfiTheory]
    [InlineData("net", false)]
    [InlineData("net", true)]
    [InlineData("tcp;ofi_rxm", false)]
    [InlineData("tcp;ofi_rxm", true)]
    public void Eager_large_and_control_records_reach_the_peers_sink_in_order(string provider, bool registered)
    {
        OfiEndpoint ea = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 2, registerLocal: registered);
        OfiEndpoint eb = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 2, registerLocal: registered);
        string[] annex = [OfiTransport.Annex(ea), OfiTransport.Annex(eb)];
        OfiTransport a = OfiPair.Make(ea, 0, annex), b = OfiPair.Make(eb, 1, annex);
        var sa = new RecordingSink();
        var sb = new RecordingSink();
        a.Attach(null!, sa);
        b.Attach(null!, sb);
        const int large = 3 * 1024 * 1024;
        byte* memory = (byte*)NativeMemory.AlignedAlloc(2 * large, 64);
        // The slots: registered once at setup where buffers are registered.
        Assert.Equal((registered ? 1L : 0L, registered ? 1L : 0L), (ea.Registrations, eb.Registrations));
        try
        {
            byte* small = memory, payload = memory + 4096;
            for (int i = 0; i < 1000; i++) small[i] = (byte)(i * 7);
            for (int i = 0; i < large - 4096; i++) payload[i] = (byte)(i * 13 + 1);
            object eagerOwner = new(), largeOwner = new();

            Assert.Equal(SendOutcome.Done, OfiPair.Retry(a, b, () => a.SendEager(1, 3, 0, 7, small, 1000, eagerOwner)));
            OfiPair.Pump(a, b, () => sb.Done == 1);
            RecordHeader h = sb.Headers[0].Header;
            Assert.Equal((0, RecordKind.Eager, 3, 0, 7, 1000L), (sb.Headers[0].Peer, RecordHeader.KindOf(h.LengthAndKind), h.Context, h.Source, h.Tag, h.MessageBytes));
            Assert.Equal(new ReadOnlySpan<byte>(small, 1000).ToArray(), sb.Eager[0]);

            // A large message, then two records behind it: they reach the sink after its payload.
            sb.LargeTarget = memory + large;
            long offset = 0;
            Assert.Equal(SendOutcome.Pending, OfiPair.Retry(a, b, () => a.SendLarge(1, 42, payload, large - 4096, ref offset, largeOwner)));
            Assert.Equal(large - 4096, offset);
            Assert.Equal(SendOutcome.Done, OfiPair.Retry(a, b, () => a.SendControl(1, RecordKind.Fin, 11, 12)));
            Assert.Equal(SendOutcome.Done, OfiPair.Retry(a, b, () => a.SendEager(1, 3, 0, 8, small, 10, eagerOwner)));
            OfiPair.Pump(a, b, () => sb.Done == 4 && sa.Sent.Contains(largeOwner));
            Assert.Equal([RecordKind.Eager, RecordKind.Data, RecordKind.Fin, RecordKind.Eager], sb.Headers.Select(x => RecordHeader.KindOf(x.Header.LengthAndKind)));
            Assert.Equal(42, sb.Headers[1].Header.Token1);
            Assert.Equal((11L, 12L), (sb.Headers[2].Header.Token1, sb.Headers[2].Header.Token2));
            Assert.Equal(["header", "payload", "header", "payload", "header", "payload", "header", "payload"], sb.Events);
            Assert.True(new ReadOnlySpan<byte>(payload, large - 4096).SequenceEqual(new ReadOnlySpan<byte>(memory + large, large - 4096)), "the large payload differs");

            // And back: a control record from 1 to 0.
            Assert.Equal(SendOutcome.Done, OfiPair.Retry(a, b, () => b.SendControl(0, RecordKind.Cts, 5, 6)));
            OfiPair.Pump(a, b, () => sa.Done == 1);
            Assert.Equal((1, RecordKind.Cts, 5L, 6L), (sa.Headers[0].Peer, RecordHeader.KindOf(sa.Headers[0].Header.LengthAndKind), sa.Headers[0].Header.Token1, sa.Headers[0].Header.Token2));
            Assert.Empty(a.FailedPeers);
            Assert.Empty(b.FailedPeers);

            // Registered: the large message's buffer once on each side (sender's payload, receiver's target),
            // closed again when it completed; every post (record sends, slot receives, the payload's send and
            // receive) went with a descriptor. Not registered: no region and no descriptor at all.
            Assert.Equal((registered ? 2L : 0L, registered ? 2L : 0L), (ea.Registrations, eb.Registrations));
            Assert.Equal((registered ? 1 : 0, registered ? 1 : 0), (ea.OpenRegistrations, eb.OpenRegistrations));
            if (registered) Assert.True(ea.PostsWithDescriptor >= 5 && eb.PostsWithDescriptor >= 5, $"posts with a descriptor: {ea.PostsWithDescriptor}, {eb.PostsWithDescriptor}");
            else Assert.Equal((0L, 0L), (ea.PostsWithDescriptor, eb.PostsWithDescriptor));
        }
        finally
        {
            a.Close();
            b.Close();
            NativeMemory.AlignedFree(memory);
        }
        Assert.Equal((0, 0), (ea.OpenRegistrations, eb.OpenRegistrations));
    }


    /// <summary>Wire-up on first use: of four ranks, rank 0 talks to ranks 1 and 2 and rank 1 answers it;
    /// rank 3 hears from nobody. Each holds in its address vector only the peers it talked to (rank 0
    /// two, ranks 1 and 2 one, rank 3 none), each message arrives in order, and no record was taken
    /// for a stranger's (the first one to a peer went after a Hello that the peer answered).</summary>
    [OfiTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void Peers_enter_the_address_vector_on_first_use(string provider)
    {
        OfiEndpoint[] e = [.. Enumerable.Range(0, 4).Select(_ => OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 4))];
        string[] annex = [.. e.Select(OfiTransport.Annex)];
        OfiTransport[] t = [.. Enumerable.Range(0, 4).Select(r => OfiPair.Make(e[r], r, annex, key: 0x123, size: 4))];
        var sinks = t.Select(x => { var s = new RecordingSink(); x.Attach(null!, s); return s; }).ToArray();
        byte* memory = (byte*)NativeMemory.AllocZeroed(1024);
        try
        {
            Assert.Equal([0, 0, 0, 0], t.Select(x => x.AddressVectorEntries));
            for (int i = 0; i < 3; i++)
            {
                foreach (int to in (int[])[1, 2])
                    Assert.Equal(SendOutcome.Done, OfiPair.Retry(t[0], t[to], () => t[0].SendEager(to, 3, 0, 10 + i, memory, 8, t)));
            }
            Assert.Equal(SendOutcome.Done, OfiPair.Retry(t[1], t[0], () => t[1].SendEager(0, 3, 1, 20, memory, 8, t)));
            OfiPair.Pump(t[0], t[1], () => sinks[1].Done == 3 && sinks[0].Done == 1);
            OfiPair.Pump(t[0], t[2], () => sinks[2].Done == 3);
            for (int i = 0; i < 20; i++) t[3].Progress();
            Assert.Equal([2, 1, 1, 0], t.Select(x => x.AddressVectorEntries));
            Assert.Equal([[1, 2], [0], [0], []], t.Select(x => x.ConnectedPeers().Peers));
            Assert.Equal([10, 11, 12], sinks[1].Headers.Select(h => h.Header.Tag));
            Assert.Equal([10, 11, 12], sinks[2].Headers.Select(h => h.Header.Tag));
            Assert.Equal([20], sinks[0].Headers.Select(h => h.Header.Tag));
            Assert.Empty(sinks[3].Headers);
            Assert.Equal([0L, 0L, 0L, 0L], t.Select(x => x.StrangerMessages));
        }
        finally
        {
            foreach (OfiTransport x in t) x.Close();
            NativeMemory.Free(memory);
        }
    }


    /// <summary>The hot path with registered buffers allocates nothing: after a warm-up (wire-up, the
    /// per-peer queues), 50 large messages from rank 0 to rank 1, each with its buffers registered on
    /// both sides and closed at its completion, and 50 eager ones, leave the thread's allocated bytes
    /// unchanged.</summary>
    [OfiTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void Registered_large_and_eager_messages_allocate_nothing(string provider)
    {
        OfiEndpoint ea = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 2, registerLocal: true);
        OfiEndpoint eb = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 2, registerLocal: true);
        string[] annex = [OfiTransport.Annex(ea), OfiTransport.Annex(eb)];
        OfiTransport a = OfiPair.Make(ea, 0, annex), b = OfiPair.Make(eb, 1, annex);
        const int large = 256 * 1024;
        byte* memory = (byte*)NativeMemory.AlignedAlloc(2 * large, 64);
        var sa = new CountingSink(null);
        var sb = new CountingSink(memory + large);
        a.Attach(null!, sa);
        b.Attach(null!, sb);
        object owner = new();
        try
        {
            Exchange(a, b, sa, sb, memory, large, owner, 10);
            long before = GC.GetAllocatedBytesForCurrentThread();
            long registrations = ea.Registrations + eb.Registrations;
            Exchange(a, b, sa, sb, memory, large, owner, 50);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
            Assert.Equal(registrations + 100, ea.Registrations + eb.Registrations); // one region per message on each side
            Assert.Equal((1, 1), (ea.OpenRegistrations, eb.OpenRegistrations)); // the slots' alone
        }
        finally
        {
            a.Close();
            b.Close();
            NativeMemory.AlignedFree(memory);
        }
    }

    /// <summary><paramref name="count"/> rounds of one large message (receive id = round) and one eager one
    /// from a to b, each pumped to completion, with no lambda or collection on the way.</summary>
    private static void Exchange(OfiTransport a, OfiTransport b, CountingSink sa, CountingSink sb, byte* memory, int large, object owner, int count)
    {
        long deadline = Environment.TickCount64 + 20_000;
        for (int i = 0; i < count; i++)
        {
            int sent = sa.Sent, done = sb.Done;
            long offset = 0;
            SendOutcome o;
            while ((o = a.SendLarge(1, i, memory, large, ref offset, owner)) == SendOutcome.NoRoom) Pump(a, b, deadline);
            if (o != SendOutcome.Pending) Assert.Fail($"SendLarge: {o}"); // Assert.Equal would allocate in the measured loop
            while ((o = a.SendEager(1, 3, 0, 7, memory, 64, owner)) == SendOutcome.NoRoom) Pump(a, b, deadline);
            if (o != SendOutcome.Done) Assert.Fail($"SendEager: {o}");
            while (sa.Sent == sent || sb.Done < done + 2) Pump(a, b, deadline);
        }
    }

    private static void Pump(OfiTransport a, OfiTransport b, long deadline)
    {
        a.Progress();
        b.Progress();
        if (Environment.TickCount64 > deadline) Assert.Fail("nothing arrived within the limit");
    }

    /// <summary>Counts what the transport reports, allocating nothing: every payload goes into one native buffer.</summary>
    private sealed class CountingSink(byte* target) : IFrameSink
    {
        public int Done, Sent;

        public PayloadTarget OnHeader(int peer, in RecordHeader header) =>
            header.MessageBytes == 0 ? PayloadTarget.Dropped(0, notify: true) : PayloadTarget.Into(target, header.MessageBytes);

        public void OnPayloadDone(int peer) => Done++;

        public void OnSent(int peer, object owner, RecordKind kind) => Sent++;

        public void OnUnsent(int peer, object owner) => throw new InvalidOperationException($"unsent to {peer}");

        public void OnPeerFailed(int peer) => throw new InvalidOperationException($"peer {peer} failed");
    }

    /// <summary>Records what the transport reports; names a buffer for a Data header's payload and a
    /// managed array for an eager one, and drops nothing.</summary>
    private sealed class RecordingSink : IFrameSink
    {
        public readonly List<(int Peer, RecordHeader Header)> Headers = [];
        public readonly List<byte[]> Eager = [];
        public readonly List<string> Events = [];
        public readonly List<object> Sent = [];
        public byte* LargeTarget;
        public int Done;

        public PayloadTarget OnHeader(int peer, in RecordHeader header)
        {
            Headers.Add((peer, header));
            Events.Add("header");
            switch (RecordHeader.KindOf(header.LengthAndKind))
            {
                case RecordKind.Eager:
                    var buffer = new byte[header.MessageBytes];
                    Eager.Add(buffer);
                    return buffer.Length == 0 ? PayloadTarget.Dropped(0, notify: true) : PayloadTarget.Into(buffer, buffer.Length);
                case RecordKind.Data:
                    return PayloadTarget.Into(LargeTarget, header.MessageBytes);
                default:
                    return PayloadTarget.Dropped(0, notify: true);
            }
        }

        public void OnPayloadDone(int peer)
        {
            Events.Add("payload");
            Done++;
        }

        public void OnSent(int peer, object owner, RecordKind kind) => Sent.Add(owner);

        public void OnUnsent(int peer, object owner) => throw new InvalidOperationException($"unsent to {peer}");

        public void OnPeerFailed(int peer) => throw new InvalidOperationException($"peer {peer} failed");
    }
}
