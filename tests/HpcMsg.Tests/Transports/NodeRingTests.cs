using System.Collections.Concurrent;
using System.Net;
using HpcMsg.Bootstrap;
using HpcMsg.Tests.Infrastructure;
using HpcMsg.Transports.Tcp;

namespace HpcMsg.Tests.Transports;

/// <summary>
/// The node leaders' liveness ring, in this process: four leaders (one rank per node), each a real
/// <see cref="TcpMesh"/> behind an in-process rendezvous, linked into a ring 0 -> 1 -> 2 -> 3 -> 0.
/// A leader's death (its links closed without a word) is seen by both neighbours; a leader that has
/// finalized passes a failure on, so that the finalize order never leaves a running leader unwatched;
/// an Abort's code reaches the neighbours; the bye at exit after finalize is no failure.
/// In the jobs collection: it opens TCP sockets, which the scaling tests count.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class NodeRingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public void A_leader_that_dies_is_seen_by_both_neighbours_and_not_by_the_others()
    {
        using var ring = new Ring(4);
        ring.Rings[2].Dispose(); // closes its links without a word: as SIGKILL would
        ring.WaitForEnding(1, 3);
        Assert.All(new[] { 1, 3 }, r => Assert.Equal(new JobEndWord(false, 2, 137), ring.Ending[r]));
        Assert.All(new[] { 1, 3 }, r => Assert.Equal(new JobEndWord(false, 2, 137), ring.Meshes[r].LauncherWord));
        Thread.Sleep(500);
        Assert.False(ring.Ending.ContainsKey(0), "rank 0 has no link to rank 2 and was told nothing");
    }

    [Fact]
    public void Leaders_that_finalized_first_pass_a_death_on_to_the_one_still_running()
    {
        using var ring = new Ring(4);
        // 1 and 3 have finalized (their processes still up): rank 0's only links are to them.
        ring.Rings[1].Leave();
        ring.Rings[3].Leave();
        ring.Rings[2].Dispose();
        ring.WaitForEnding(0);
        Assert.Equal(new JobEndWord(false, 2, 137), ring.Ending[0]);
        Assert.Equal(new JobEndWord(false, 2, 137), ring.Meshes[0].LauncherWord);
        // Those that finalized report nothing to their (unmapped) node and their (closed) channel.
        Assert.False(ring.Ending.ContainsKey(1) || ring.Ending.ContainsKey(3));
    }

    [Fact]
    public void The_bye_of_a_leader_that_finalized_and_exits_is_no_failure()
    {
        using var ring = new Ring(4);
        foreach (NodeRing r in ring.Rings) r.Leave();
        ring.Rings[1].OnExit(); // bye to 0 and 2, then its links close
        ring.Rings[2].OnExit();
        Thread.Sleep(1500);
        Assert.Empty(ring.Ending);
    }

    [Fact]
    public void A_leader_that_calls_Abort_tells_its_neighbours_the_code()
    {
        using var ring = new Ring(3);
        ring.Rings[0].TellAbort(7);
        ring.WaitForEnding(1, 2);
        Assert.All(new[] { 1, 2 }, r => Assert.Equal(new JobEndWord(true, 0, 7), ring.Ending[r]));
    }

    [Fact]
    public void Two_nodes_link_both_ways_and_see_each_other_die()
    {
        using var ring = new Ring(2);
        Assert.Equal((1, 1), (ring.Rings[0].Next, ring.Rings[0].Previous));
        ring.Rings[0].Dispose();
        ring.WaitForEnding(1);
        Assert.Equal(new JobEndWord(false, 0, 137), ring.Ending[1]);
    }

    [Fact]
    public void A_ring_link_claims_no_rank()
    {
        Assert.Equal(-2, NodeRing.Claim(0));
        Assert.Equal(5, NodeRing.ClaimedRank(NodeRing.Claim(5)));
        Assert.Equal(-1, NodeRing.ClaimedRank(3));
        Assert.Equal(-1, NodeRing.ClaimedRank(0));
    }

    /// <summary>n leaders, one per node, linked into the ring; what each one's node was told.</summary>
    private sealed class Ring : IDisposable
    {
        private readonly RendezvousServer _server;
        public TcpMesh[] Meshes { get; }
        public NodeRing[] Rings { get; }
        public ConcurrentDictionary<int, JobEndWord> Ending { get; } = new();

        public Ring(int n)
        {
            byte[] secret = JobSecret.Create();
            _server = new RendezvousServer(IPAddress.Loopback, n, secret, _ => { });
            string jobId = "ring-" + Guid.NewGuid().ToString("N");
            Meshes = new TcpMesh[n];
            Rings = new NodeRing[n];
            RunAll(n, r =>
            {
                var job = new JobEnvironment(r, n, jobId, null, 0, false)
                {
                    LocalRank = 0, LocalSize = 1, Node = r, Nodes = n,
                    Rendezvous = _server.Endpoint.ToString(), Secret = secret, IfaceAddress = "127.0.0.1",
                };
                Meshes[r] = TcpMesh.Establish(job, RendezvousClient.Connect(job.Rendezvous!, secret, r, n), peer => peer != r);
            });
            // Every leader dials its next, then waits for its previous: all at once, as at Init.
            RunAll(n, r =>
            {
                Meshes[r].StartRing((r + n - 1) % n, (r + 1) % n, word => Ending.TryAdd(r, word));
                Rings[r] = Meshes[r].Ring!;
            });
        }

        private static void RunAll(int n, Action<int> rank)
        {
            var errors = new ConcurrentQueue<Exception>();
            Thread[] threads = [.. Enumerable.Range(0, n).Select(r => new Thread(() =>
            {
                try { rank(r); }
                catch (Exception e) { errors.Enqueue(e); }
            }) { IsBackground = true })];
            foreach (Thread t in threads) t.Start();
            foreach (Thread t in threads) Assert.True(t.Join(Limit), $"a leader did not link within {Limit.TotalSeconds} s");
            Assert.True(errors.IsEmpty, string.Join("\n", errors));
        }

        public void WaitForEnding(params int[] ranks)
        {
            long deadline = Environment.TickCount64 + (long)Limit.TotalMilliseconds;
            while (!ranks.All(Ending.ContainsKey) && Environment.TickCount64 < deadline) Thread.Sleep(10);
            Assert.True(ranks.All(Ending.ContainsKey), $"ranks [{string.Join(", ", ranks.Where(r => !Ending.ContainsKey(r)))}] were not told within {Limit.TotalSeconds} s");
        }

        public void Dispose()
        {
            foreach (NodeRing? r in Rings) r?.Dispose();
            foreach (TcpMesh? m in Meshes) m?.Dispose(); // before the server: a lifeline that sees it close takes it for hpcrun's death
            _server.Dispose();
        }
    }
}
