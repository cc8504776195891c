using HpcMsg.Bootstrap;
using HpcMsg.Bootstrap.Pmi;

namespace HpcMsg.Tests.Pmi;

/// <summary>The node map of PMI (PMI_process_mapping): every form the process managers document,
/// what is not of that form (null, so that Join falls back to reading every rank's node), and Join
/// over <see cref="FakePmiServer"/> with a map, without one, with a malformed and a cyclic one.</summary>
public class ProcessMappingTests
{
    [Theory]
    // Slurm, one node, 3 ranks; 2 nodes with 1 rank each (shared/slurm's dumps).
    [InlineData("(vector,(0,1,3))", 3, new[] { 0, 0, 0 })]
    [InlineData("(vector,(0,2,1))", 2, new[] { 0, 1 })]
    // Block: 4 ranks over 2 nodes.
    [InlineData("(vector,(0,2,2))", 4, new[] { 0, 0, 1, 1 })]
    // Several blocks: 2, 2 and 1 ranks on 3 nodes; 3 nodes of 4 then 1 node of 2.
    [InlineData("(vector,(0,2,2),(2,1,1))", 5, new[] { 0, 0, 1, 1, 2 })]
    [InlineData("(vector,(0,3,4),(3,1,2))", 14, new[] { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3 })]
    // Cyclic, as Slurm writes it (the blocks spelled out, or the list repeated to cover the job).
    [InlineData("(vector,(0,2,1),(0,2,1))", 4, new[] { 0, 1, 0, 1 })]
    [InlineData("(vector,(0,2,1))", 4, new[] { 0, 1, 0, 1 })]
    // Several vectors in one value: their blocks in order.
    [InlineData("(vector,(0,2,2))(vector,(2,1,3))", 7, new[] { 0, 0, 1, 1, 2, 2, 2 })]
    [InlineData("(vector,(0,1,2)),(vector,(1,1,1))", 3, new[] { 0, 0, 1 })]
    // Spaces anywhere between the parts; a map longer than the job is cut at its size.
    [InlineData("  ( vector , ( 0 , 2 , 2 ) ) ", 4, new[] { 0, 0, 1, 1 })]
    [InlineData("(vector,(0,4,4))", 6, new[] { 0, 0, 0, 0, 1, 1 })]
    public void TheDocumentedFormsGiveEveryRanksNode(string mapping, int size, int[] expected) =>
        Assert.Equal(expected, ProcessMapping.NodesOf(mapping, size));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("(vector)")]
    [InlineData("(vector,)")]
    [InlineData("vector,(0,2,2)")]
    [InlineData("(vector,(0,2,2)")]
    [InlineData("(vector,(0,2))")]
    [InlineData("(vector,(0,2,2,2))")]
    [InlineData("(vector,(0,0,2))")]
    [InlineData("(vector,(0,2,0))")]
    [InlineData("(vector,(-1,2,2))")]
    [InlineData("(vector,(0,2,x))")]
    [InlineData("(vector,(0,99999999999,1))")]
    [InlineData("(vector,(2147483647,2,1))")]
    [InlineData("(vector,(0,2,2)) trailing")]
    [InlineData("(hostlist,(0,2,2))")]
    [InlineData("key_not_found")]
    public void AnythingElseIsNoMapNotAnException(string? mapping) =>
        Assert.Null(ProcessMapping.NodesOf(mapping, 4));

    [Fact]
    public void ACyclicMapIsRefusedNamingBlockDistribution()
    {
        int[] nodeOf = ProcessMapping.NodesOf("(vector,(0,2,1))", 4)!;
        var e = Assert.Throws<HpcMsgException>(() => NodeLayout.OfMapping(nodeOf, 0));
        Assert.Contains("consecutive", e.Message);
        Assert.Contains("srun -m block", e.Message);
    }

    [Theory]
    [InlineData(1, "(vector,(0,2,2),(2,1,1))")]
    [InlineData(2, "(vector,(0,2,2),(2,1,1))")]
    [InlineData(1, null)]
    [InlineData(2, null)]
    [InlineData(2, "(vector,(0,2,2),(2,1")]
    public void JoinGivesTheSameLayoutWithTheMapWithoutItAndWithAMalformedOne(int version, string? mapping)
    {
        string[] nodes = ["a/1", "a/1", "b/1", "b/1", "c/1"];
        JobEnvironment[] jobs = JoinAll(version, nodes, mapping, out FakePmiServer server);
        using (server)
        {
            int[] node = [0, 0, 1, 1, 2], local = [0, 1, 0, 1, 0], localSize = [2, 2, 2, 2, 1];
            for (int r = 0; r < nodes.Length; r++)
                Assert.Equal((node[r], 3, local[r], localSize[r]), (jobs[r].Node, jobs[r].Nodes, jobs[r].LocalRank, jobs[r].LocalSize));
            // With a map a rank reads one other rank's node (the previous rank's, to check the map).
            int nodeGets = server.Received.SelectMany(m => m).Count(m => m.Contains("key=hpcmsg-node-", StringComparison.Ordinal)
                && (m.StartsWith("cmd=get ", StringComparison.Ordinal) || m.StartsWith("cmd=kvs-get;", StringComparison.Ordinal)));
            Assert.Equal(ProcessMapping.NodesOf(mapping, nodes.Length) is null ? nodes.Length * (nodes.Length - 1) : nodes.Length - 1, nodeGets);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ACyclicMapFailsEveryRankWithTheBlockMessage(int version)
    {
        string[] nodes = ["a", "b", "a", "b"];
        using var server = new FakePmiServer(nodes.Length) { ProcessMapping = "(vector,(0,2,1),(0,2,1))" };
        Exception?[] errors = JoinErrors(server, version, nodes);
        Assert.All(errors, e => Assert.Contains("srun -m block", Assert.IsType<HpcMsgException>(e).Message));
    }

    [Theory]
    // Slurm's map of srun -m arbitrary -w n1,n1,n2: one node per rank, although two share n1.
    [InlineData("(vector,(0,3,1))")]
    // A map that puts ranks of two machines on one node.
    [InlineData("(vector,(0,1,3))")]
    // Hydra's map of -hosts localhost:1,127.0.0.1:2: two "nodes" on one machine.
    [InlineData("(vector,(0,1,1),(1,1,2))")]
    public void AMapThatDisagreesWithWhereRanksRunIsSetAsideOnEveryRank(string mapping)
    {
        string[] nodes = mapping.EndsWith("(1,1,2))", StringComparison.Ordinal) ? ["a/1", "a/1", "a/1"] : ["a/1", "a/1", "b/1"];
        JobEnvironment[] jobs = JoinAll(2, nodes, mapping, out FakePmiServer server);
        using (server)
        {
            for (int r = 0; r < nodes.Length; r++)
            {
                NodeLayout expected = NodeLayout.Of(nodes, r);
                Assert.Equal((expected.Node, expected.Nodes, expected.LocalRank, expected.LocalSize), (jobs[r].Node, jobs[r].Nodes, jobs[r].LocalRank, jobs[r].LocalSize));
            }
        }
    }

    internal static JobEnvironment[] JoinAll(int version, string[] nodes, string? mapping, out FakePmiServer server)
    {
        server = new FakePmiServer(nodes.Length) { ProcessMapping = mapping };
        (JobEnvironment?[] jobs, Exception?[] errors) = RunRanks(server, version, nodes, PmiJob.Join);
        Assert.All(errors, e => Assert.Null(e));
        return [.. jobs.Select(j => j!)];
    }

    private static Exception?[] JoinErrors(FakePmiServer server, int version, string[] nodes) =>
        RunRanks(server, version, nodes, PmiJob.Join).Errors;

    /// <summary>One thread per rank (they meet in the fence), each its own client; bounded in time.</summary>
    internal static (T?[] Results, Exception?[] Errors) RunRanks<T>(FakePmiServer server, int version, string[] nodes, Func<IPmiClient, string, T> rank)
    {
        var results = new T?[nodes.Length];
        var errors = new Exception?[nodes.Length];
        var threads = Enumerable.Range(0, nodes.Length).Select(r => new Thread(() =>
        {
            try
            {
                using IPmiClient c = version == 2 ? new Pmi2Client(server.Connect(r), r, server.JobId) : new Pmi1Client(server.Connect(r), r, server.Size);
                results[r] = rank(c, nodes[r]);
            }
            catch (Exception e)
            {
                errors[r] = e;
            }
        }) { IsBackground = true, Name = $"PMI rank {r}" }).ToList();
        threads.ForEach(t => t.Start());
        foreach (Thread t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(60)), "a rank did not return within 60 s");
        return (results, errors);
    }
}
