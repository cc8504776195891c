using HpcMsg.Bootstrap;
using HpcMsg.Bootstrap.Pmi;

namespace HpcMsg.Tests.Pmi;

/// <summary>Both wire clients against <see cref="FakePmiServer"/>, which answers as Slurm's
/// transcripts show: the exact requests, put/fence/get among several ranks, errors and a server
/// that goes away. Every client call that waits on the server runs under a timeout, so that a hang
/// fails the test.</summary>
public class PmiClientTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private static T Within<T>(Func<T> f)
    {
        Task<T> t = Task.Run(f);
        Assert.True(((IAsyncResult)t).AsyncWaitHandle.WaitOne(Limit), $"the PMI call did not return within {Limit.TotalSeconds} s");
        return t.GetAwaiter().GetResult(); // its own exception, not an AggregateException
    }

    /// <summary>A rank of a multi-rank test: on its own thread, since the ranks block in the fence
    /// until all have come (on pool threads, the last ones waited for the pool to grow).</summary>
    private static Task<T> OnOwnThread<T>(Func<T> rank) =>
        Task.Factory.StartNew(rank, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static IPmiClient Open(FakePmiServer server, int version, int rank) =>
        version == 2 ? new Pmi2Client(server.Connect(rank), rank, server.JobId) : new Pmi1Client(server.Connect(rank), rank, server.Size);

    [Fact]
    public void Pmi2HandshakeSendsTheInitLineAndAFullinitWithJobRankAndThreaded()
    {
        using var server = new FakePmiServer(1) { JobId = "17.3" };
        using IPmiClient c = Within(() => Open(server, 2, 0));
        Assert.Equal((0, 1, "17.3", "PMI-2"), (c.Rank, c.Size, c.JobId, c.Protocol));
        c.FinalizeJob();
        List<string> got = server.Received[0];
        Assert.Equal("cmd=init pmi_version=2 pmi_subversion=0", got[0]);
        Dictionary<string, string> full = PmiWire.Fields(got[1], ';');
        Assert.Equal(("fullinit", "17.3", "0", "FALSE"), (full["cmd"], full["pmijobid"], full["pmirank"], full["threaded"]));
        Assert.Equal("cmd=job-getid;", got[2]);
        Assert.Equal("cmd=finalize;", got[^1]);
    }

    [Fact]
    public void Pmi1HandshakeIsInitGetMaxesAndGetMyKvsname()
    {
        using var server = new FakePmiServer(1) { JobId = "kvs_99_0" };
        using IPmiClient c = Within(() => Open(server, 1, 0));
        Assert.Equal(("kvs_99_0", "PMI-1"), (c.JobId, c.Protocol));
        c.Put("k", "V1");
        c.Fence();
        Assert.Equal("V1", c.Get("k", 0));
        Assert.Null(c.Get("missing", 0));
        c.FinalizeJob();
        Assert.Equal(
            ["cmd=init pmi_version=1 pmi_subversion=1", "cmd=get_maxes", "cmd=get_my_kvsname", "cmd=put kvsname=kvs_99_0 key=k value=V1",
             "cmd=barrier_in", "cmd=get kvsname=kvs_99_0 key=k", "cmd=get kvsname=kvs_99_0 key=missing", "cmd=finalize"],
            server.Received[0]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void FourRanksSeeEachOthersPutsAfterTheFenceIncludingLongValues(int version)
    {
        const int n = 4;
        using var server = new FakePmiServer(n);
        string[][] seen = Within(() => Task.WhenAll(Enumerable.Range(0, n).Select(rank => OnOwnThread(() =>
        {
            using IPmiClient c = Open(server, version, rank);
            c.Put($"card{rank}", new string((char)('A' + rank), 1024));
            c.Fence();
            string[] values = [.. Enumerable.Range(0, n).Select(r => c.Get($"card{r}", r) ?? "missing")];
            c.FinalizeJob();
            return values;
        }))).Result);
        foreach (string[] values in seen)
            for (int r = 0; r < n; r++) Assert.Equal(new string((char)('A' + r), 1024), values[r]);
    }

    [Theory]
    [InlineData(1, "put")]
    [InlineData(2, "kvs-put")]
    public void AnErrorReplyBecomesAClearMessage(int version, string command)
    {
        using var server = new FakePmiServer(1) { FailCommand = command, FailRc = 3 };
        using IPmiClient c = Within(() => Open(server, version, 0));
        var e = Assert.Throws<HpcMsgException>(() => c.Put("key", "VALUE"));
        Assert.Contains("failed with rc=3", e.Message);
        Assert.Contains("key", e.Message);
    }

    [Fact]
    public void Pmi2FullinitRefusedIsAClearMessage()
    {
        using var server = new FakePmiServer(1) { FailCommand = "fullinit" };
        var e = Assert.Throws<HpcMsgException>(() => Within(() => Open(server, 2, 0)));
        Assert.Contains("PMI-2 fullinit failed with rc=3", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AServerThatClosesMidWayIsAnErrorNotAHang(int version)
    {
        // Answers the handshake (init, then fullinit+job-getid or get_maxes+get_my_kvsname), then closes.
        using var server = new FakePmiServer(2) { CloseAfter = 3 };
        using IPmiClient c = Within(() => Open(server, version, 0));
        var e = Assert.Throws<HpcMsgException>(() => Within(() => { c.Put("k", "V"); c.Fence(); return 0; }));
        Assert.Contains("closed the connection", e.Message);
    }

    [Theory]
    [InlineData(1, "cmd=abort exitcode=7")]
    [InlineData(2, "cmd=abort;isworld=TRUE;")]
    public void AbortTellsTheServerWithoutWaitingForAReply(int version, string expectedStart)
    {
        using var server = new FakePmiServer(1);
        using IPmiClient c = Within(() => Open(server, version, 0));
        Within(() => { c.Abort(7, "because; of = things"); return 0; });
        DateTime deadline = DateTime.UtcNow + Limit;
        while (DateTime.UtcNow < deadline && !server.Received[0].Any(m => m.StartsWith("cmd=abort", StringComparison.Ordinal))) Thread.Sleep(10);
        string abort = Assert.Single(server.Received[0], m => m.StartsWith("cmd=abort", StringComparison.Ordinal));
        Assert.StartsWith(expectedStart, abort);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void JoinDerivesTheNodeLayoutAndSharesRankZerosSecret(int version)
    {
        const int n = 4;
        using var server = new FakePmiServer(n) { JobId = "8.1" };
        string[] nodes = ["n1/a", "n1/a", "n2/a", "n2/a"];
        JobEnvironment[] jobs = Within(() => Task.WhenAll(Enumerable.Range(0, n).Select(rank => OnOwnThread(() =>
        {
            using IPmiClient c = Open(server, version, rank);
            JobEnvironment job = PmiJob.Join(c, nodes[rank]);
            c.FinalizeJob();
            return job;
        }))).Result);
        for (int r = 0; r < n; r++)
        {
            JobEnvironment j = jobs[r];
            Assert.Equal((r, n, r / 2, 2, r % 2, 2), (j.Rank, j.Size, j.Node, j.Nodes, j.LocalRank, j.LocalSize));
            Assert.Equal(jobs[0].Secret, j.Secret);
            Assert.EndsWith($"-pmi-8.1-n{r / 2}", j.ShmPath);
        }
        Assert.Equal(32, jobs[0].Secret!.Length);
    }

    [Fact]
    public void EndpointsGoThroughTheKvsHexEncodedAndAreReadOnDemand()
    {
        const int n = 3;
        using var server = new FakePmiServer(n);
        string[][] seen = Within(() => Task.WhenAll(Enumerable.Range(0, n).Select(rank => OnOwnThread(() =>
        {
            using var control = new PmiJobControl(Open(server, 2, rank));
            control.ExchangeEndpoints($"10.0.0.{rank}:{5000 + rank}");
            return Enumerable.Range(0, n).Select(control.EndpointOf).ToArray();
        }))).Result);
        foreach (string[] endpoints in seen) Assert.Equal(["10.0.0.0:5000", "10.0.0.1:5001", "10.0.0.2:5002"], endpoints);
        Assert.Contains(server.Received[0], m => m == $"cmd=kvs-put;key=hpcmsg-ep-0;value={PmiWire.Encode("10.0.0.0:5000")};");
    }
}
