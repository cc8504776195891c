using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Non-blocking requests between partners (0-1, 2-3, ...; the odd rank out is its own partner):
/// IRecv posted before and after the ISend, small and large; Test/IsCompleted polling; WaitAll,
/// TestAll, WaitAny (deterministic: only one of two requests can complete); awaiting requests;
/// large ISends overlapped in both directions; more small ISends than the ring holds; ISends of
/// mixed sizes from arrays and from native memory, in sending order.
/// </summary>
internal sealed class NonBlockingScenario : IScenario
{
    private const int Small = 100, Large = 1 << 20;

    public string Name => "nonblocking";
    public string Arguments => "";

    public async Task RunAsync(Communicator world, string[] args)
    {
        int partner = PeerPairing.Partner(world);
        foreach (int n in new[] { Small, Large })
        {
            ReceivePostedFirst(world, partner, n, tag: 1);
            ReceivePostedAfterSend(world, partner, n, tag: 2);
        }
        TestAndIsCompleted(world, partner);
        WaitAllAndTestAll(world, partner);
        WaitAnyReturnsTheOnlyCompletable(world, partner);
        await Awaiting(world, partner);
        OverlappedLargeBothWays(world, partner);
        MoreSendsThanTheRingHolds(world, partner);
        MixedSizesKeepTheirOrder(world, partner);
        SlicesOfArrays(world, partner);
    }

    private static long Key(int sender, int n, int tag) => n * 1000L + tag * 17 + sender;

    /// <summary>ISend from and IRecv into a slice of an array (an ArraySegment behind the Memory),
    /// eager and large: the engine writes at the slice's offset, nothing around it.</summary>
    private static void SlicesOfArrays(Communicator world, int partner)
    {
        foreach (int n in new[] { 13, Large / 8 })
        {
            var data = new long[n + 5];
            for (int i = 0; i < data.Length; i++) data[i] = Key(world.Rank, n, 80) + i;
            var into = new long[n + 7];
            Request r = world.IRecv(into.AsMemory(4, n), partner, 80);
            Request s = world.ISend(data.AsMemory(2, n), partner, 80); // Memory<T>: T inferred (the overload for it)
            Request.WaitAll(r, s);
            Check.Equal((long)n * sizeof(long), r.Wait().ByteCount, $"slice receive ({n} longs): ByteCount");
            int wrong = -1;
            for (int i = 0; i < into.Length && wrong < 0; i++)
            {
                long expected = i >= 4 && i < 4 + n ? Key(partner, n, 80) + 2 + (i - 4) : 0;
                if (into[i] != expected) wrong = i;
            }
            Check.Equal(-1, wrong, $"slice receive ({n} longs): first wrong element");
        }
    }

    private static void ReceivePostedFirst(Communicator world, int partner, int n, int tag)
    {
        var recv = new byte[n];
        Request r = world.IRecv<byte>(recv, partner, tag);
        PeerPairing.Handshake(world, partner, 100 + tag); // the partner's receive is posted too
        Request s = world.ISend(Patterns.Make(n, Key(world.Rank, n, tag)), partner, tag);
        Request.WaitAll(s, r);
        Status status = r.Wait();
        Check.Equal(partner, status.Source, $"receive posted first ({n} bytes): Status.Source");
        Check.Equal((long)n, status.ByteCount, $"receive posted first ({n} bytes): ByteCount");
        Patterns.Verify(recv, Key(partner, n, tag), $"receive posted first ({n} bytes)");
    }

    private static void ReceivePostedAfterSend(Communicator world, int partner, int n, int tag)
    {
        Request s = world.ISend(Patterns.Make(n, Key(world.Rank, n, tag)), partner, tag);
        PeerPairing.Handshake(world, partner, 100 + tag); // the partner's message (or its announcement) is here
        var recv = new byte[n];
        Request r = world.IRecv<byte>(recv, partner, tag);
        var spin = new SpinWait();
        Status status;
        while (!r.Test(out status)) spin.SpinOnce();
        Check.Equal((long)n, status.ByteCount, $"receive posted after the send ({n} bytes): ByteCount");
        s.Wait();
        Patterns.Verify(recv, Key(partner, n, tag), $"receive posted after the send ({n} bytes)");
    }

    private static void TestAndIsCompleted(Communicator world, int partner)
    {
        var recv = new int[4];
        Request r = world.IRecv<int>(recv, partner, 30);
        // The partner sends tag 30 only after the handshake below, so nothing can have completed it.
        Check.True(!r.IsCompleted, "IsCompleted before the partner sent");
        Check.True(!r.Test(out _), "Test before the partner sent");
        PeerPairing.Handshake(world, partner, 130);
        Request s = world.ISend(new[] { world.Rank, 1, 2, 3 }, partner, 30);
        // IsCompleted is a plain read (it drives nothing): Test makes the progress.
        var spin = new SpinWait();
        while (!(r.Test(out _) & s.Test(out _))) spin.SpinOnce();
        Check.True(r.IsCompleted && s.IsCompleted, "IsCompleted after Test returned true");
        Check.True(r.Test(out Status status), "Test after IsCompleted");
        Check.True(r.Test(out Status again), "Test a second time");
        Check.Equal(status.ByteCount, again.ByteCount, "Test a second time: same status");
        Check.Equal(30, status.Tag, "Test: Status.Tag");
        Check.SequenceEqual<int>([partner, 1, 2, 3], recv, "Test/IsCompleted message");
    }

    private static int SizeOf(int k) => k % 4 == 0 ? 100_000 : 100 + k;

    private static void WaitAllAndTestAll(Communicator world, int partner)
    {
        const int Count = 20;
        var buffers = new byte[Count][];
        var requests = new List<Request>();
        for (int k = Count - 1; k >= 0; k--) // posted in reverse order of the sends: matched by tag
        {
            buffers[k] = new byte[SizeOf(k)];
            requests.Add(world.IRecv<byte>(buffers[k], partner, 200 + k));
        }
        for (int k = 0; k < Count; k++)
            requests.Add(world.ISend(Patterns.Make(SizeOf(k), Key(world.Rank, k, 200)), partner, 200 + k));
        Request[] all = [.. requests];
        var spin = new SpinWait();
        while (!Request.TestAll(all)) spin.SpinOnce();
        Request.WaitAll(all); // all complete: returns at once
        Check.True(all.All(r => r.IsCompleted), "TestAll returned true: every request IsCompleted");
        for (int k = 0; k < Count; k++) Patterns.Verify(buffers[k], Key(partner, k, 200), $"WaitAll/TestAll message {k}");
    }

    private static void WaitAnyReturnsTheOnlyCompletable(Communicator world, int partner)
    {
        var a = new int[1];
        var b = new int[1];
        Request ra = world.IRecv<int>(a, partner, 40);
        Request rb = world.IRecv<int>(b, partner, 41);
        Request sb = world.ISend(new[] { 4100 + world.Rank }, partner, 41);
        // The partner sends tag 40 only after it has our "go", which we send after WaitAny returns.
        int index = Request.WaitAny(ra, rb);
        Check.Equal(1, index, "WaitAny index (only the tag-41 receive can complete)");
        Check.True(!ra.IsCompleted, "WaitAny: the other receive is still pending");
        Check.Equal(4100 + partner, b[0], "WaitAny message");
        PeerPairing.Handshake(world, partner, 140);
        Request sa = world.ISend(new[] { 4000 + world.Rank }, partner, 40);
        Check.Equal(0, Request.WaitAny(ra), "WaitAny of one request");
        Request.WaitAll(sa, sb);
        Check.Equal(4000 + partner, a[0], "message completing the WaitAny leftover");
    }

    private static async Task Awaiting(Communicator world, int partner)
    {
        // One small and one large, awaited while the other side of each is still in flight.
        var small = new long[3];
        Request r = world.IRecv<long>(small, partner, 50);
        var large = new byte[4 << 20];
        Request rl = world.IRecv<byte>(large, partner, 51);
        Request s = world.ISend(new long[] { world.Rank, 5, 6 }, partner, 50);
        Request sl = world.ISend(Patterns.Make(large.Length, Key(world.Rank, 4, 51)), partner, 51);
        Status status = await r;
        Check.Equal(partner, status.Source, "await IRecv: Status.Source");
        Check.SequenceEqual<long>([partner, 5, 6], small, "awaited message");
        Status large1 = await rl;
        Check.Equal((long)large.Length, large1.ByteCount, "await large IRecv: ByteCount");
        Patterns.Verify(large, Key(partner, 4, 51), "awaited large message");
        await s;
        await sl;
        await s; // awaiting a completed request returns at once

        // Many awaits at the same time, completed in an order the awaiting code does not choose.
        const int Many = 32;
        var inbox = new int[Many][];
        Task<Status>[] waits = new Task<Status>[Many];
        for (int k = 0; k < Many; k++)
        {
            inbox[k] = new int[1];
            Request pending = world.IRecv<int>(inbox[k], partner, 300 + k);
            waits[k] = AwaitAsync(pending);
        }
        var sends = new Request[Many];
        for (int k = Many - 1; k >= 0; k--) sends[k] = world.ISend(new[] { k * 10 + world.Rank }, partner, 300 + k);
        Status[] statuses = await Task.WhenAll(waits);
        foreach (Request send in sends) await send;
        for (int k = 0; k < Many; k++)
        {
            Check.Equal(300 + k, statuses[k].Tag, $"concurrent await {k}: Status.Tag");
            Check.Equal(k * 10 + partner, inbox[k][0], $"concurrent await {k}: message");
        }
    }

    private static async Task<Status> AwaitAsync(Request request) => await request;

    private static void OverlappedLargeBothWays(Communicator world, int partner)
    {
        const int N = 4 << 20;
        var recvs = new byte[3][];
        var requests = new List<Request>();
        for (int k = 2; k >= 0; k--)
        {
            recvs[k] = new byte[N];
            requests.Add(world.IRecv<byte>(recvs[k], partner, 60 + k));
        }
        for (int k = 0; k < 3; k++) requests.Add(world.ISend(Patterns.Make(N, Key(world.Rank, k, 60)), partner, 60 + k));
        Request.WaitAll([.. requests]);
        for (int k = 0; k < 3; k++) Patterns.Verify(recvs[k], Key(partner, k, 60), $"overlapped large message {k}");
    }

    private static void MoreSendsThanTheRingHolds(Communicator world, int partner)
    {
        const int Count = 3000, Bytes = 100; // ~3000 * 192 bytes of records: several times a 128 KiB ring
        var sends = new Request[Count];
        for (int k = 0; k < Count; k++)
        {
            sends[k] = world.ISend(Patterns.Make(Bytes, Key(world.Rank, k, 70)), partner, 70);
        }
        PeerPairing.Handshake(world, partner, 170); // queued behind the sends; still completes
        var buffer = new byte[Bytes];
        for (int k = 0; k < Count; k++)
        {
            world.Recv<byte>(buffer, partner, 70);
            Patterns.Verify(buffer, Key(partner, k, 70), $"many sends: message {k} (content or order)");
        }
        Request.WaitAll(sends);
    }
    /// <summary>Sizes of the mixed stream from <paramref name="sender"/>: empty, small, around the default
    /// eager limit (16 KiB), above it, and large, in an order both ranks can compute.</summary>
    private static int[] MixedSizes(int sender, int count)
    {
        var random = new Random(7919 * (sender + 1));
        var sizes = new int[count];
        for (int k = 0; k < count; k++)
        {
            int kind = random.Next(20);
            sizes[k] = kind switch
            {
                0 => 0,
                < 10 => random.Next(1, 65),
                < 14 => random.Next(65, 4097),
                < 17 => 16 * 1024 + random.Next(-8, 9),
                < 19 => random.Next(17 * 1024, 64 * 1024),
                _ => 300 * 1024 + random.Next(0, 64),
            };
        }
        return sizes;
    }

    /// <summary>ISends of mixed sizes, every third from native memory (the Memory overload's non-array
    /// way), more than the ring holds, then the partner's in order with blocking receives: a small one
    /// goes into the ring at once when nothing waits before it for that rank (its request complete at
    /// birth), otherwise behind what waits, and a large one is announced; each arrives in sending
    /// order and intact, and each send's status gives its size and tag.</summary>
    private static void MixedSizesKeepTheirOrder(Communicator world, int partner)
    {
        const int Count = 600, Tag = 90;
        int[] outgoing = MixedSizes(world.Rank, Count), incoming = MixedSizes(partner, Count);
        long nativeBytes = 0;
        for (int k = 2; k < Count; k += 3) nativeBytes += outgoing[k];
        using var native = new NativeBuffer(checked((int)nativeBytes));
        var sends = new Request[Count];
        int offset = 0;
        for (int k = 0; k < Count; k++)
        {
            long key = Key(world.Rank, k, Tag);
            if (k % 3 == 2)
            {
                Memory<byte> slice = native.Memory.Slice(offset, outgoing[k]);
                offset += outgoing[k];
                Patterns.Fill(slice.Span, key);
                sends[k] = world.ISend((ReadOnlyMemory<byte>)slice, partner, Tag);
            }
            else sends[k] = world.ISend(Patterns.Make(outgoing[k], key), partner, Tag);
        }
        var buffer = new byte[incoming.Max()];
        for (int k = 0; k < Count; k++)
        {
            Status status = world.Recv<byte>(buffer, partner, Tag);
            Check.Equal((long)incoming[k], status.ByteCount, $"mixed sizes: message {k} length (order)");
            Patterns.Verify(buffer.AsSpan(0, incoming[k]), Key(partner, k, Tag), $"mixed sizes: message {k} of {incoming[k]} bytes (content or order)");
        }
        Request.WaitAll(sends);
        for (int k = 0; k < Count; k++)
        {
            Status sent = sends[k].Wait();
            Check.Equal((long)outgoing[k], sent.ByteCount, $"mixed sizes: send {k} status ByteCount");
            Check.Equal(Tag, sent.Tag, $"mixed sizes: send {k} status Tag");
        }
    }
}
