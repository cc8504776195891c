using HpcMsg.Bootstrap;
using HpcMsg.Tests.Pmi;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Scaling;

/// <summary>
/// What a job's Join costs the PMI server (issue 17: O(n) at the server), counted by simulation: 64
/// ranks on 16 nodes of 4, each a real PMI-2 client (its own connection and thread) against
/// <see cref="FakePmiServer"/>, which records every request. With the node map (PMI_process_mapping,
/// as Slurm and Hydra give it) each rank makes a constant number of requests; without it, one get per
/// rank per rank. Figures in docs/scaling.md.
/// </summary>
public sealed class PmiRequestCountTests(ITestOutputHelper log)
{
    private const int Nodes = 16, PerNode = 4, N = Nodes * PerNode;

    /// <summary>init, fullinit, job-getid: the client's handshake, the same on both paths.</summary>
    private const int HandshakePerRank = 3;

    [Fact]
    public void Join_with_the_node_map_makes_a_constant_number_of_requests_per_rank()
    {
        int withMap = JoinRequests($"(vector,(0,{Nodes},{PerNode}))");
        int withoutMap = JoinRequests(null);
        log.WriteLine($"PMI requests of Join, {N} ranks on {Nodes} nodes (handshake excluded): with PMI_process_mapping {withMap} ({withMap / (double)N:F2} a rank); " +
            $"without it {withoutMap} ({withoutMap / (double)N:F2} a rank)");
        // A put of its node, the secret's put or get, the fence, the map; the map's check: a get of
        // the previous rank's node (all but rank 0), a fence, a get of the verdict.
        Assert.Equal(6 * N + (N - 1), withMap);
        // A put of its node, the secret, the fence, the map's request (not found), then a get of every
        // other rank's node.
        Assert.Equal(4 * N + N * (N - 1), withoutMap);
    }

    private static int JoinRequests(string? mapping)
    {
        string[] nodes = [.. Enumerable.Range(0, N).Select(r => $"node{r / PerNode}/boot")];
        JobEnvironment[] jobs = ProcessMappingTests.JoinAll(2, nodes, mapping, out FakePmiServer server);
        using (server)
        {
            for (int r = 0; r < N; r++)
                Assert.Equal((r / PerNode, Nodes, r % PerNode, PerNode), (jobs[r].Node, jobs[r].Nodes, jobs[r].LocalRank, jobs[r].LocalSize));
            return server.RequestCount - HandshakePerRank * N;
        }
    }
}
