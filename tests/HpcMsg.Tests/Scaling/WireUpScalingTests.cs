using System.Diagnostics;
using System.Net;
using HpcMsg.Bootstrap;
using HpcMsg.Engine;
using HpcMsg.Tests.Engine;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Scaling;

/// <summary>
/// Wire-up toward thousands of ranks (issue 17, item 6), by simulation in this process; figures in
/// docs/scaling.md. hpcrun's rendezvous serves 4,096 ranks (each doing the rank's side over loopback:
/// handshake proving the job secret, endpoint, the barrier's word, then lookups of a few peers on the
/// lifeline) with no thread per rank and the same few bytes to every rank at Init; and
/// a rank of a 256-rank job of real TCP meshes that talks to 4 peers holds 4 connections, opened on
/// first use. In the jobs collection: it runs alone, so that the process-wide counts of threads,
/// descriptors and sockets are this test's.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class WireUpScalingTests(ITestOutputHelper log)
{
    /// <summary>Bytes hpcrun writes to a rank at Init, whatever the job's size: its side of the
    /// handshake (hello 40, proof 32) and the barrier's word (16). Before, the whole table followed:
    /// 81,704 bytes more at 4,096 ranks.</summary>
    private const long InitBytesPerRank = 40 + 32 + LifelineFrame.HeaderBytes;

    [Fact]
    public async Task The_rendezvous_wires_up_4096_ranks_with_the_same_bytes_to_each_and_no_thread_per_rank()
    {
        // HPCMSG_TEST_WIREUP_RANKS: another size, for the figures of docs/scaling.md (the test is of 4,096).
        int N = int.TryParse(Environment.GetEnvironmentVariable("HPCMSG_TEST_WIREUP_RANKS"), out int n) && n > 0 ? n : 4096;
        byte[] secret = JobSecret.Create();
        var refused = new List<string>();
        int descriptorsBefore = ProcessResources.Descriptors();
        int threadsBefore = ProcessResources.Threads();
        GC.Collect();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clients = new RendezvousClient?[N];
        RendezvousServer server;
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        int[] gcBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        string gcs = "";
        var clock = Stopwatch.StartNew();
        long joinedTicks = 0;
        TimeSpan cpu;
        int threadsPeak, descriptorsPeak;
        long allocated;
        using (var peak = new ProcessResources.ThreadPeak())
        {
            server = new RendezvousServer(IPAddress.Loopback, N, secret, line => { lock (refused) refused.Add(line); });
            try
            {
                string address = server.Endpoint.ToString();
                Task join = Task.WhenAll(Enumerable.Range(0, N).Select(async r =>
                {
                    RendezvousClient c = await RendezvousClient.ConnectAsync(address, secret, r, N);
                    clients[r] = c;
                    InterlockedMax(ref joinedTicks, clock.ElapsedTicks);
                    await c.ExchangeEndpointsAsync(EndpointOfRank(r));
                }));
                await WithinAsync(join, TimeSpan.FromSeconds(60), $"the wire-up of {N} ranks"); // a hang detector: the figure is logged
                clock.Stop();
                cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                gcs = $"{GC.CollectionCount(0) - gcBefore[0]}/{GC.CollectionCount(1) - gcBefore[1]}/{GC.CollectionCount(2) - gcBefore[2]}";
                allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                descriptorsPeak = ProcessResources.Descriptors();
            }
            catch
            {
                foreach (RendezvousClient? c in clients) c?.Dispose();
                server.Dispose();
                throw;
            }
            threadsPeak = peak.Peak;
        }
        var lookups = new Stopwatch();
        long serverAtInit, serverAfterLookups;
        try
        {
            // O(1) a rank at Init: the kernel's count of what each rank's socket received from hpcrun
            // is the same constant for every rank (and the same at any job size); hpcrun wrote 16
            // bytes of frames to each.
            serverAtInit = server.BytesSent;
            for (int r = 0; r < N; r++)
            {
                long received = ProcessResources.TcpBytesReceived(clients[r]!.Lifeline);
                Assert.True(received == InitBytesPerRank, $"rank {r} received {received} bytes from hpcrun at Init, not {InitBytesPerRank}");
            }
            Assert.Equal((long)LifelineFrame.HeaderBytes * N, serverAtInit);

            // Lookups on first dial: every rank asks for up to 4 peers at once (about 4 x N requests
            // outstanding in the process), as a rank dialing its neighbours does.
            int[][] peers = [.. Enumerable.Range(0, N).Select(r => new[] { (r + 1) % N, (r + N - 1) % N, (r + N / 2) % N, (r * 7 + 3) % N }.Distinct().ToArray())];
            lookups.Start();
            Task<string>[][] asked = [.. Enumerable.Range(0, N).Select(r => peers[r].Select(p => clients[r]!.EndpointOfAsync(p)).ToArray())];
            await WithinAsync(Task.WhenAll(asked.SelectMany(a => a)), TimeSpan.FromSeconds(60), $"{asked.Sum(a => a.Length)} lookups");
            lookups.Stop();
            serverAfterLookups = server.BytesSent;
            for (int r = 0; r < N; r++)
            {
                long expected = InitBytesPerRank;
                for (int i = 0; i < peers[r].Length; i++)
                {
                    Assert.Equal(EndpointOfRank(peers[r][i]), await asked[r][i]);
                    expected += LifelineFrame.HeaderBytes + 4 + EndpointOfRank(peers[r][i]).Length; // one answer: header, length, endpoint
                }
                Assert.Equal(expected, ProcessResources.TcpBytesReceived(clients[r]!.Lifeline));
            }
            Assert.Equal(peers.Sum(p => p.Length), server.EndpointsSent);

            // The lifelines stay: hpcrun's word that the job ends reaches every rank.
            var word = new JobEndWord(false, 17, 3);
            server.AnnounceJobEnding(word);
            JobEndWord[] heard = await WithinAsync(Task.WhenAll(clients.Select(c => c!.LauncherWordHeard)), TimeSpan.FromSeconds(10), $"the job-end word on {N} lifelines");
            Assert.All(heard, h => Assert.Equal(word, h));

            // And a rank's abort reaches hpcrun, named by its rank.
            clients[Aborting(N)]!.TellAbort(42);
        }
        finally
        {
            foreach (RendezvousClient? c in clients) c?.Dispose();
        }
        Assert.Equal(42, server.AbortCodeOf(Aborting(N), TimeSpan.FromSeconds(10)));
        Assert.Null(server.AbortCodeOf(Aborting(N) + 1, TimeSpan.FromSeconds(10)));
        long lookupsAnswered = server.EndpointsSent;
        server.Dispose();
        Assert.Empty(refused);

        int extraThreads = threadsPeak - threadsBefore;
        log.WriteLine($"wire-up of {N} simulated ranks: {ProcessResources.Ms(clock)} (the last handshake done at {joinedTicks * 1000 / Stopwatch.Frequency} ms), CPU time of the process {cpu.TotalMilliseconds:F0} ms, collections (gen 0/1/2) {gcs}; " +
            $"out of hpcrun at Init: {InitBytesPerRank} bytes to each rank ({InitBytesPerRank - LifelineFrame.HeaderBytes} of them the handshake), {InitBytesPerRank * N} in all ({serverAtInit} of frames); " +
            $"then {lookupsAnswered} lookups at once in {lookups.Elapsed.TotalMilliseconds:F0} ms, {serverAfterLookups - serverAtInit} bytes ({(serverAfterLookups - serverAtInit) / Math.Max(1, lookupsAnswered)} an answer); " +
            $"allocated at Init {allocated / 1e6:F1} MB in this process (server and the {N} clients), {allocated / N} bytes a rank; " +
            $"threads {threadsBefore} -> peak {threadsPeak} (+{extraThreads}); descriptors {descriptorsBefore} -> {descriptorsPeak} (+{descriptorsPeak - descriptorsBefore}, {N} client and {N} server sockets)");
        // A thread per rank (as before) would be 4,096 more; the pool and the socket engine need a handful.
        Assert.True(extraThreads < 64, $"{extraThreads} more threads during the wire-up of {N} ranks");
        // Tests of other classes run in this process at the same time and open and close their own
        // descriptors meanwhile (a CI run saw 23 fewer than 2N), so the bound allows 128 either way; a
        // thread or a socket pair per rank would be thousands over.
        Assert.InRange(descriptorsPeak - descriptorsBefore, 2 * N - 128, 2 * N + 128);
    }

    /// <summary>A job whose every rank dials every other (an all-to-all): after its first
    /// <see cref="RendezvousClient.SingleLookups"/> peers a rank asks hpcrun for blocks of
    /// <see cref="RendezvousClient.BlockRanks"/>, so hpcrun answers n x (8 + n / 64) requests, not n x n,
    /// and every endpoint a rank learns, alone or in a block, is the one its peer published.</summary>
    [Fact]
    public async Task An_all_to_all_of_512_ranks_asks_hpcrun_for_blocks_not_for_each_peer()
    {
        const int N = 512;
        byte[] secret = JobSecret.Create();
        var refused = new List<string>();
        var clients = new RendezvousClient?[N];
        using var server = new RendezvousServer(IPAddress.Loopback, N, secret, line => { lock (refused) refused.Add(line); });
        try
        {
            string address = server.Endpoint.ToString();
            await WithinAsync(Task.WhenAll(Enumerable.Range(0, N).Select(async r =>
            {
                RendezvousClient c = await RendezvousClient.ConnectAsync(address, secret, r, N);
                clients[r] = c;
                await c.ExchangeEndpointsAsync(EndpointOfRank(r));
            })), TimeSpan.FromSeconds(60), $"the wire-up of {N} ranks");

            // Each rank dials its peers in the order of a pairwise exchange (r + 1, r + 2, ...), all at
            // once: the requests of one rank overlap, as a rank's dials do.
            var clock = Stopwatch.StartNew();
            Task<string>[][] asked = [.. Enumerable.Range(0, N).Select(r =>
                Enumerable.Range(1, N - 1).Select(k => clients[r]!.EndpointOfAsync((r + k) % N)).ToArray())];
            await WithinAsync(Task.WhenAll(asked.SelectMany(a => a)), TimeSpan.FromSeconds(60), $"{N} x {N - 1} lookups");
            clock.Stop();
            for (int r = 0; r < N; r++)
            {
                for (int k = 1; k < N; k++) Assert.Equal(EndpointOfRank((r + k) % N), await asked[r][k - 1]);
            }
            long perRank = RendezvousClient.SingleLookups + (N + RendezvousClient.BlockRanks - 1) / RendezvousClient.BlockRanks;
            log.WriteLine($"all-to-all of {N} simulated ranks: {server.Answers} requests answered ({server.Answers / (double)N:F1} a rank; peer by peer it would be {N - 1}), {server.EndpointsSent} endpoints sent, in {ProcessResources.Ms(clock)}");
            Assert.InRange(server.Answers, N, N * perRank);
            Assert.Empty(refused);
        }
        finally
        {
            foreach (RendezvousClient? c in clients) c?.Dispose();
        }
    }

    [Fact]
    public void A_rank_of_256_that_talks_to_4_peers_holds_4_connections()
    {
        const int N = 256, PerPeer = 4;
        int[] offsets = [-2, -1, 1, 2];
        int establishedBefore = ProcessResources.EstablishedTcp();
        var clock = Stopwatch.StartNew();
        using InProcessJob job = InProcessJob.OverTcp(N);
        TimeSpan wireUp = clock.Elapsed;
        int establishedAfterInit = ProcessResources.EstablishedTcp();
        // At Init: only the lifelines (both ends in this process), no connection between ranks.
        Assert.Equal(2 * N, establishedAfterInit - establishedBefore);

        // Every rank sends PerPeer messages to each of its 4 ring neighbours at once, so that each
        // pair dials both ways at the same moment, and the messages queue while the connection opens.
        var receives = new List<(Request Request, byte[] Buffer, int From, int Seq, int To)>();
        var sends = new List<Request>();
        var held = new List<byte[]>();
        for (int r = 0; r < N; r++)
        {
            foreach (int o in offsets)
            {
                int peer = (r + o + N) % N;
                for (int k = 0; k < PerPeer; k++)
                {
                    byte[] buffer = InProcessJob.Pinned(8);
                    receives.Add((InProcessJob.PostRecv(job.Engines[r], peer, 9, buffer), buffer, peer, k, r));
                }
            }
        }
        clock.Restart();
        for (int r = 0; r < N; r++)
        {
            foreach (int o in offsets)
            {
                int peer = (r + o + N) % N;
                for (int k = 0; k < PerPeer; k++)
                {
                    byte[] data = InProcessJob.Pinned(8);
                    BitConverter.TryWriteBytes(data, r * 1000 + k);
                    held.Add(data); // the request holds only its address: keep the array alive
                    sends.Add(InProcessJob.PostSend(job.Engines[r], peer, 9, data));
                }
            }
        }
        job.DriveUntil(() => sends.All(s => s.IsCompleted) && receives.All(x => x.Request.IsCompleted), "the neighbour exchange");
        TimeSpan exchange = clock.Elapsed;

        // Same source, same tag: non-overtaking, including the messages queued while the connection opened.
        foreach (var (request, buffer, from, seq, to) in receives)
        {
            Assert.Null(request.Error);
            Assert.True(BitConverter.ToInt32(buffer) == from * 1000 + seq, $"rank {to}: message {seq} from rank {from} carried {BitConverter.ToInt32(buffer)}");
        }
        Assert.All(sends, s => Assert.Null(s.Error));
        GC.KeepAlive(held);

        // Each rank holds exactly its 4 neighbours; the losing side of each crossing dial has closed.
        long settle = Environment.TickCount64 + 10_000;
        while (job.Engines.Any(e => e.TcpConnectedPeers().Opening) && Environment.TickCount64 < settle) job.Drive(1);
        for (int r = 0; r < N; r++)
        {
            (int[] peers, bool opening) = job.Engines[r].TcpConnectedPeers();
            int[] expected = offsets.Select(o => (r + o + N) % N).Order().ToArray();
            Assert.False(opening, $"rank {r} is still opening a connection");
            Assert.Equal(expected, peers);
        }
        int established = 0;
        while (Environment.TickCount64 < settle && (established = ProcessResources.EstablishedTcp() - establishedBefore) != 2 * N + 2 * 2 * N) Thread.Sleep(20);
        log.WriteLine($"{N} ranks: wire-up (listen, rendezvous) {wireUp.TotalMilliseconds:F0} ms; first exchange with 4 neighbours each (dials included) {exchange.TotalMilliseconds:F0} ms; " +
            $"established TCP sockets in the process: {established} ({N} lifelines and {2 * N} rank pairs, both ends); an all-to-all mesh would hold {N * (N - 1)} sockets between ranks");
        // Both ends of N lifelines and of 2N pair connections (N ranks x 4 neighbours / 2).
        Assert.Equal(2 * N + 2 * 2 * N, established);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    private static int Aborting(int n) => n * 3 / 10;

    private static string EndpointOfRank(int r) => $"10.{(r >> 16) & 255}.{(r >> 8) & 255}.{r & 255}:{40000 + r % 20000}";

    private static async Task<T> WithinAsync<T>(Task<T> task, TimeSpan limit, string what)
    {
        await WithinAsync((Task)task, limit, what);
        return await task;
    }

    private static async Task WithinAsync(Task task, TimeSpan limit, string what)
    {
        if (await Task.WhenAny(task, Task.Delay(limit)) != task) Assert.Fail($"{what} took longer than {limit.TotalSeconds:F0} s");
        await task;
    }
}
