using System.Diagnostics;
using System.Runtime.InteropServices;
using HpcMsg.Transports;
using HpcMsg.Transports.Ofi;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Tests.Ofi;

/// <summary>
/// Traffic that is not the job's, on loopback: ranks 0 and 1 as two transports of one job (one key),
/// and a third endpoint outside the job that sends rank 1 a record whose tag is forged right (the job's
/// key, rank 0 as its source): rank 1 drops it and counts it, and rank 0's own records still arrive in
/// order. A record from the job's own endpoint with another job's key (a stale address reused) is
/// dropped too, and so is a record from a job member whose tag names another rank.
/// </summary>
public sealed unsafe class OfiStrangerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private const ulong Key = 0x5A5_1234_5678UL, OtherKey = 0x2F0_8765_4321UL;
    private const ulong TransportBit = 1UL << 62;

    [OfiTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void A_forged_record_from_outside_the_job_is_dropped_and_counted_and_the_jobs_traffic_flows(string provider)
    {
        (_, OfiEndpoint eb, OfiTransport a, OfiTransport b) = OfiPair.OpenJob(provider, Key);
        OfiEndpoint stranger = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 1);
        var sb = new CountingSink();
        a.Attach(null!, new CountingSink());
        b.Attach(null!, sb);
        byte* memory = (byte*)NativeMemory.AllocZeroed(4096);
        FiContext2* context = (FiContext2*)NativeMemory.AllocZeroed((nuint)sizeof(FiContext2));
        try
        {
            Assert.True(b.ChecksSources, $"{provider} in libfabric {OfiLibrary.Shared.Version} reports sources (FI_SOURCE)");
            ulong toB = stranger.InsertPeer(eb.Name);
            // Rank 0's first record, as rank 0 would send it: sequence 0, the job's key, source rank 0.
            ForgeEager(memory, 4);
            ulong forged = TransportBit | OfiTagLayout.RecordKeyBits(Key);
            var clock = Stopwatch.StartNew();
            Span<OfiCompletion> done = stackalloc OfiCompletion[4];
            while (!stranger.TrySend(memory, (nuint)(RecordHeader.Size + 4), null, toB, forged, context))
            {
                b.Progress();
                stranger.Poll(done);
                Assert.True(clock.Elapsed < Limit, "the stranger could not send");
            }
            bool sent = false;
            while (b.StrangerMessages == 0 || !sent)
            {
                b.Progress();
                a.Progress();
                sent |= stranger.Poll(done) > 0;
                Assert.True(clock.Elapsed < Limit, $"rank 1 dropped {b.StrangerMessages} messages; the stranger's send completed: {sent}");
            }
            Assert.Equal(1, b.StrangerMessages);
            Assert.Equal(0, sb.Headers);
            Assert.Empty(b.FailedPeers);

            // One that names rank 1 itself (a rank it never hears from over libfabric) is dropped too.
            ulong self = forged | (1UL << OfiTagLayout.SourceShift);
            while (!stranger.TrySend(memory, (nuint)(RecordHeader.Size + 4), null, toB, self, context))
            {
                b.Progress();
                stranger.Poll(done);
                Assert.True(clock.Elapsed < Limit, "the stranger could not send again");
            }
            while (b.StrangerMessages < 2)
            {
                b.Progress();
                stranger.Poll(done);
                Assert.True(clock.Elapsed < Limit, $"rank 1 dropped {b.StrangerMessages} messages");
            }
            Assert.Equal(0, sb.Headers);

            // The job's own records still flow, in order (the forged one took no sequence number).
            byte* data = memory + 1024;
            for (int i = 0; i < 3; i++)
                Assert.Equal(SendOutcome.Done, OfiPair.Retry(a, b, () => a.SendEager(1, 3, 0, 7 + i, data, 16, sb)));
            OfiPair.Pump(a, b, () => sb.Done == 3);
            Assert.Equal([7, 8, 9], sb.Tags);
            Assert.Equal(2, b.StrangerMessages);
        }
        finally
        {
            a.Close();
            b.Close();
            stranger.Dispose();
            NativeMemory.Free(context);
            NativeMemory.Free(memory);
        }
    }

    [OfiTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void A_record_with_another_jobs_key_is_dropped_even_from_a_job_address(string provider)
    {
        (OfiEndpoint ea, _, OfiTransport a, OfiTransport b) = OfiPair.OpenJob(provider, Key);
        var sb = new CountingSink();
        a.Attach(null!, new CountingSink());
        b.Attach(null!, sb);
        byte* memory = (byte*)NativeMemory.AllocZeroed(4096);
        try
        {
            // Connect first (the job's record), then a stray from rank 0's address with another key: an
            // inject, so that rank 0's transport sees no completion it did not post. Rank 0 inserted rank 1 first: fi_addr 0.
            byte* data = memory + 1024;
            Assert.Equal(SendOutcome.Done, OfiPair.Retry(a, b, () => a.SendEager(1, 3, 0, 1, data, 16, sb)));
            OfiPair.Pump(a, b, () => sb.Done == 1);
            ForgeEager(memory, 4);
            ((RecordHeader*)memory)->Reserved = 1; // the next record rank 1 expects from rank 0
            ulong stray = TransportBit | OfiTagLayout.RecordKeyBits(OtherKey);
            var clock = Stopwatch.StartNew();
            while (!ea.TryInject(memory, (nuint)(RecordHeader.Size + 4), 0, stray))
            {
                a.Progress();
                b.Progress();
                Assert.True(clock.Elapsed < Limit, "no room for the stray");
            }
            OfiPair.Pump(a, b, () => b.StrangerMessages == 1);
            Assert.Equal(1, sb.Done);

            Assert.Equal(SendOutcome.Done, OfiPair.Retry(a, b, () => a.SendEager(1, 3, 0, 2, data, 16, sb)));
            OfiPair.Pump(a, b, () => sb.Done == 2);
            Assert.Equal([1, 2], sb.Tags);
            Assert.Equal(1, b.StrangerMessages);
            Assert.Equal(0, a.StrangerMessages);
            Assert.Empty(b.FailedPeers);
        }
        finally
        {
            a.Close();
            b.Close();
            NativeMemory.Free(memory);
        }
    }

    [OfiTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void A_job_member_whose_tag_names_another_rank_is_dropped(string provider)
    {
        OfiEndpoint[] e = [.. Enumerable.Range(0, 3).Select(_ => OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 3))];
        string[] annex = [.. e.Select(OfiTransport.Annex)];
        OfiTransport[] t = [.. Enumerable.Range(0, 3).Select(r => OfiPair.Make(e[r], r, annex, Key, size: 3))];
        var sinks = t.Select(x => { var s = new CountingSink(); x.Attach(null!, s); return s; }).ToArray();
        byte* memory = (byte*)NativeMemory.AllocZeroed(4096);
        try
        {
            // Rank 2 talks to rank 1 first (so that its connection is up, and each holds the other's
            // address), then injects a record that claims to be rank 0's first one (rank 2's address
            // vector holds rank 1 alone, inserted on first use: fi_addr 0).
            byte* data = memory + 1024;
            Assert.Equal(SendOutcome.Done, OfiPair.Retry(t[2], t[1], () => t[2].SendEager(1, 3, 2, 1, data, 16, sinks[1])));
            OfiPair.Pump(t[2], t[1], () => sinks[1].Done == 1);
            ForgeEager(memory, 4);
            ulong claimsRankZero = TransportBit | OfiTagLayout.RecordKeyBits(Key);
            var clock = Stopwatch.StartNew();
            while (!e[2].TryInject(memory, (nuint)(RecordHeader.Size + 4), 0, claimsRankZero))
            {
                t[2].Progress();
                t[1].Progress();
                Assert.True(clock.Elapsed < Limit, "no room for the forged record");
            }
            OfiPair.Pump(t[2], t[1], () => t[1].StrangerMessages == 1);
            Assert.Equal(1, sinks[1].Done);

            // Rank 0's real first record still arrives.
            Assert.Equal(SendOutcome.Done, OfiPair.Retry(t[0], t[1], () => t[0].SendEager(1, 3, 0, 5, data, 16, sinks[1])));
            OfiPair.Pump(t[0], t[1], () => sinks[1].Done == 2);
            Assert.Equal([1, 5], sinks[1].Tags);
            Assert.Equal(1, t[1].StrangerMessages);
            Assert.Equal([1, 2, 1], t.Select(x => x.AddressVectorEntries));
        }
        finally
        {
            foreach (OfiTransport x in t) x.Close();
            NativeMemory.Free(memory);
        }
    }

    /// <summary>A Hello is the one record taken from a sender outside the address vector (wire-up on first
    /// use): a stranger's Hello that names rank 0 makes rank 1 look rank 0's address up and answer rank 0
    /// there, once; rank 0, which never greeted rank 1, drops that answer as a stranger's. A second forged
    /// Hello is a stranger's at rank 1. Rank 0's own records then flow, in order.</summary>
    [OfiTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void A_forged_hello_only_makes_the_rank_greet_the_real_rank_once(string provider)
    {
        (_, OfiEndpoint eb, OfiTransport a, OfiTransport b) = OfiPair.OpenJob(provider, Key);
        OfiEndpoint stranger = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 1);
        var sb = new CountingSink();
        a.Attach(null!, new CountingSink());
        b.Attach(null!, sb);
        byte* memory = (byte*)NativeMemory.AllocZeroed(4096);
        FiContext2* context = (FiContext2*)NativeMemory.AllocZeroed((nuint)sizeof(FiContext2));
        try
        {
            ulong toB = stranger.InsertPeer(eb.Name);
            *(RecordHeader*)memory = new RecordHeader { LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.None), Reserved = -1 };
            ulong forged = TransportBit | OfiTagLayout.RecordKeyBits(Key); // source rank 0
            var clock = Stopwatch.StartNew();
            Span<OfiCompletion> done = stackalloc OfiCompletion[4];
            while (!stranger.TrySend(memory, RecordHeader.Size, null, toB, forged, context))
            {
                b.Progress();
                stranger.Poll(done);
                Assert.True(clock.Elapsed < Limit, "the stranger could not send");
            }
            while (a.StrangerMessages == 0)
            {
                a.Progress();
                b.Progress();
                stranger.Poll(done);
                Assert.True(clock.Elapsed < Limit, $"rank 0 dropped {a.StrangerMessages} messages; rank 1 holds {b.AddressVectorEntries} addresses");
            }
            Assert.Equal((1, 0), (b.AddressVectorEntries, a.AddressVectorEntries));
            Assert.Equal((0L, 1L), (b.StrangerMessages, a.StrangerMessages));

            while (!stranger.TrySend(memory, RecordHeader.Size, null, toB, forged, context))
            {
                b.Progress();
                stranger.Poll(done);
                Assert.True(clock.Elapsed < Limit, "the stranger could not send again");
            }
            OfiPair.Pump(a, b, () => b.StrangerMessages == 1);
            Assert.Equal(0, sb.Headers);

            byte* data = memory + 1024;
            for (int i = 0; i < 3; i++)
                Assert.Equal(SendOutcome.Done, OfiPair.Retry(a, b, () => a.SendEager(1, 3, 0, 7 + i, data, 16, sb)));
            OfiPair.Pump(a, b, () => sb.Done == 3);
            Assert.Equal([7, 8, 9], sb.Tags);
            Assert.Equal((1L, 1L), (b.StrangerMessages, a.StrangerMessages));
            Assert.Empty(a.FailedPeers);
            Assert.Empty(b.FailedPeers);
        }
        finally
        {
            a.Close();
            b.Close();
            stranger.Dispose();
            NativeMemory.Free(context);
            NativeMemory.Free(memory);
        }
    }

    /// <summary>A stranger's message carrying the tag of a payload rank 1 is about to receive is waiting,
    /// unexpected, when rank 1 posts that payload's receive, and takes it: rank 1 sees that it came from
    /// another address than rank 0's, drops and counts it, posts the receive again, and rank 0's real
    /// payload lands whole in it.</summary>
    [OfiTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void A_payload_from_a_stranger_with_the_payloads_tag_is_dropped_and_the_real_one_lands(string provider)
    {
        (_, OfiEndpoint eb, OfiTransport a, OfiTransport b) = OfiPair.OpenJob(provider, Key);
        OfiEndpoint stranger = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 1);
        const int Bytes = 256 * 1024, Forged = 4096;
        const long ReceiveId = 42;
        byte* memory = (byte*)NativeMemory.AllocZeroed(2 * Bytes + Forged);
        byte* payload = memory, target = memory + Bytes, forged = memory + 2 * Bytes;
        for (int i = 0; i < Bytes; i++) payload[i] = (byte)(i * 7 + 3);
        new Span<byte>(forged, Forged).Fill(0xEE);
        var sb = new PayloadSink(target);
        a.Attach(null!, new CountingSink());
        b.Attach(null!, sb);
        FiContext2* context = (FiContext2*)NativeMemory.AllocZeroed((nuint)sizeof(FiContext2));
        try
        {
            Assert.True(b.ChecksSources, $"{provider} in libfabric {OfiLibrary.Shared.Version} reports sources (FI_SOURCE)");
            ulong toB = stranger.InsertPeer(eb.Name);
            var clock = Stopwatch.StartNew();
            Span<OfiCompletion> done = stackalloc OfiCompletion[4];
            while (!stranger.TrySend(forged, Forged, null, toB, b.PayloadTag(0, ReceiveId), context))
            {
                b.Progress();
                stranger.Poll(done);
                Assert.True(clock.Elapsed < Limit, "the stranger could not send");
            }
            // Let it reach rank 1's provider (its send completes, or 2 s pass) before rank 0's message.
            bool sent = false;
            var settle = Stopwatch.StartNew();
            while (settle.ElapsedMilliseconds < 2000 && !sent)
            {
                b.Progress();
                sent = stranger.Poll(done) > 0;
            }
            for (settle.Restart(); settle.ElapsedMilliseconds < 100;) b.Progress();
            Assert.Equal(0, b.StrangerMessages);

            long offset = 0;
            Assert.Equal(SendOutcome.Pending, OfiPair.Retry(a, b, () => a.SendLarge(1, ReceiveId, payload, Bytes, ref offset, sb)));
            OfiPair.Pump(a, b, () => sb.Done == 1);
            Assert.Equal(1, b.StrangerMessages);
            Assert.Empty(b.FailedPeers);
            Assert.True(new ReadOnlySpan<byte>(payload, Bytes).SequenceEqual(new ReadOnlySpan<byte>(target, Bytes)), "the payload that landed is not rank 0's");
        }
        finally
        {
            a.Close();
            b.Close();
            stranger.Dispose();
            NativeMemory.Free(context);
            NativeMemory.Free(memory);
        }
    }

    /// <summary>Takes a large message's payload into one buffer; counts finished payloads.</summary>
    private sealed class PayloadSink(byte* target) : IFrameSink
    {
        public int Done;

        public PayloadTarget OnHeader(int peer, in RecordHeader header) =>
            RecordHeader.KindOf(header.LengthAndKind) == RecordKind.Data
                ? PayloadTarget.Into(target, header.MessageBytes)
                : PayloadTarget.Dropped(header.MessageBytes, notify: true);

        public void OnPayloadDone(int peer) => Done++;

        public void OnSent(int peer, object owner, RecordKind kind) { }

        public void OnUnsent(int peer, object owner) => throw new InvalidOperationException($"unsent to {peer}");

        public void OnPeerFailed(int peer) => throw new InvalidOperationException($"peer {peer} failed");
    }

    private static void ForgeEager(byte* at, int bytes)
    {
        *(RecordHeader*)at = new RecordHeader
        {
            LengthAndKind = RecordHeader.Pack(RecordHeader.Size, RecordKind.Eager),
            Context = 3, Source = 0, Tag = 666, MessageBytes = bytes, Reserved = 0,
        };
    }


    /// <summary>Counts headers and finished payloads, keeps the tags; drops the payloads.</summary>
    private sealed class CountingSink : IFrameSink
    {
        public readonly List<int> Tags = [];
        public int Headers;
        public int Done;

        public PayloadTarget OnHeader(int peer, in RecordHeader header)
        {
            Headers++;
            Tags.Add(header.Tag);
            return PayloadTarget.Dropped(header.MessageBytes, notify: true);
        }

        public void OnPayloadDone(int peer) => Done++;

        public void OnSent(int peer, object owner, RecordKind kind) { }

        public void OnUnsent(int peer, object owner) => throw new InvalidOperationException($"unsent to {peer}");

        public void OnPeerFailed(int peer) => throw new InvalidOperationException($"peer {peer} failed");
    }
}
