using System.Net;
using HpcMsg.Bootstrap;
using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class RankEnvironmentTests
{
    private static LauncherOptions Options(int np, int slots, params KeyValuePair<string, string>[] forwarded) =>
        new(np, slots, Oversubscribe: true, TagOutput: false, forwarded, null, BindMode.None, "app.dll", []);

    /// <summary>A job on this host alone, as hpcrun plans one without --hostfile.</summary>
    private static JobPlan OneHost(LauncherOptions options, string jobId, string? shmPath, int launcherPid) =>
        new(jobId, JobPlan.NodesFor(options, new HostLocality("me", []), localCores: options.Slots), launcherPid, shmPath, null);

    private static Dictionary<string, string?> EnvOf(int rank, LauncherOptions options, JobPlan plan) =>
        RankEnvironment.For(rank, options, plan).ToDictionary();

    [Fact]
    public void EachRankGetsTheJobVariables()
    {
        var o = Options(4, 8);
        var env = EnvOf(2, o, OneHost(o, "abc-1", "/dev/shm/hpcmsg-0-abc-1", 1234));
        Assert.Equal("2", env[JobEnvironment.RankVar]);
        Assert.Equal("4", env[JobEnvironment.SizeVar]);
        Assert.Equal("abc-1", env[JobEnvironment.JobIdVar]);
        Assert.Equal("/dev/shm/hpcmsg-0-abc-1", env[JobEnvironment.ShmPathVar]);
        Assert.Equal("1234", env[JobEnvironment.LauncherPidVar]);
        // Null means "remove": a value inherited from an enclosing job must not leak in.
        Assert.Null(env[JobEnvironment.OversubscribedVar]);
    }

    [Fact]
    public void OneHostJobIsNodeZeroOfOneWithoutNetworkVariables()
    {
        var o = Options(4, 8);
        var env = EnvOf(3, o, OneHost(o, "j", "/dev/shm/x", 1));
        Assert.Equal("3", env[JobEnvironment.LocalRankVar]);
        Assert.Equal("4", env[JobEnvironment.LocalSizeVar]);
        Assert.Equal("0", env[JobEnvironment.NodeVar]);
        Assert.Equal("1", env[JobEnvironment.NodesVar]);
        Assert.Equal(Environment.MachineName, env[JobEnvironment.HostVar]);
        foreach (string name in new[] { JobEnvironment.RendezvousVar, JobEnvironment.SecretVar, JobEnvironment.SecretStdinVar,
                     NodeVariables.IfaceAddressVar, JobEnvironment.IfaceVar })
            Assert.Null(env[name]);
    }

    [Fact]
    public void OversubscribedOnlyWhenRanksExceedSlots()
    {
        var o = Options(3, 2);
        Assert.Equal("1", EnvOf(0, o, OneHost(o, "j", "/dev/shm/x", 1))[JobEnvironment.OversubscribedVar]);
    }

    [Fact]
    public void SingleRankJobHasNoSegment()
    {
        var o = Options(1, 2);
        Assert.Null(EnvOf(0, o, OneHost(o, "j", null, 1))[JobEnvironment.ShmPathVar]);
    }

    [Fact]
    public void ForwardedVariablesComeFirstSoTheJobsOwnWin()
    {
        var o = Options(2, 2, new KeyValuePair<string, string>("FOO", "bar"));
        var env = RankEnvironment.For(0, o, OneHost(o, "j", "/dev/shm/x", 1));
        Assert.Equal(new KeyValuePair<string, string?>("FOO", "bar"), env[0]);
    }

    // ----- jobs over several hosts -----

    private static readonly NetworkSettings Network =
        new(new IPEndPoint(IPAddress.Parse("10.1.0.254"), 4567), "AB12", IPAddress.Parse("10.1.0.254"), "10.1.0.0/24");

    /// <summary>Ranks 0-1 on "me" (this machine), 2-4 on "far".</summary>
    private static (LauncherOptions, JobPlan) TwoHosts()
    {
        var placement = RankPlacement.Place([new HostSpec("me", 2), new HostSpec("far", 3)], 5);
        var o = Options(5, 5) with { Placement = placement };
        var nodes = JobPlan.NodesFor(o, new HostLocality("me", []), localCores: 8);
        return (o, new JobPlan("job-7", nodes, 99, null, Network));
    }

    [Fact]
    public void RanksOnAnotherHostGetTheirNodeAndReadTheSecretFromStdin()
    {
        var (o, plan) = TwoHosts();
        var env = EnvOf(3, o, plan);
        Assert.Equal("3", env[JobEnvironment.RankVar]);
        Assert.Equal("5", env[JobEnvironment.SizeVar]);
        Assert.Equal("1", env[JobEnvironment.LocalRankVar]);
        Assert.Equal("3", env[JobEnvironment.LocalSizeVar]);
        Assert.Equal("1", env[JobEnvironment.NodeVar]);
        Assert.Equal("2", env[JobEnvironment.NodesVar]);
        Assert.Equal("far", env[JobEnvironment.HostVar]);
        Assert.Equal(JobPlan.NodeSegmentPath("job-7", 1), env[JobEnvironment.ShmPathVar]);
        Assert.EndsWith("-job-7-n1", env[JobEnvironment.ShmPathVar], StringComparison.Ordinal);
        Assert.Equal("10.1.0.254:4567", env[JobEnvironment.RendezvousVar]);
        Assert.Null(env[JobEnvironment.SecretVar]);
        Assert.Equal("1", env[JobEnvironment.SecretStdinVar]);
        Assert.Equal("10.1.0.0/24", env[JobEnvironment.IfaceVar]);
        Assert.Null(env[NodeVariables.IfaceAddressVar]);
        Assert.Null(env[JobEnvironment.LauncherPidVar]);
        Assert.Null(env[JobEnvironment.OversubscribedVar]);
    }

    [Fact]
    public void AHostIsOversubscribedBeyondItsSlots()
    {
        var placement = RankPlacement.Place([new HostSpec("me", 1), new HostSpec("far", 1)], 4);
        var o = Options(4, 2) with { Placement = placement };
        var nodes = JobPlan.NodesFor(o, new HostLocality("me", []), localCores: 8);
        Assert.All(nodes, n => Assert.True(n.Oversubscribed));
        var plan = new JobPlan("j", nodes, 1, null, Network);
        Assert.Equal("1", EnvOf(3, o, plan)[JobEnvironment.OversubscribedVar]);
    }

    [Fact]
    public void RanksOnThisHostGetTheSecretTheAddressAndTheLauncherPid()
    {
        var (o, plan) = TwoHosts();
        var env = EnvOf(1, o, plan);
        Assert.Equal("1", env[JobEnvironment.LocalRankVar]);
        Assert.Equal("2", env[JobEnvironment.LocalSizeVar]);
        Assert.Equal("0", env[JobEnvironment.NodeVar]);
        Assert.Equal("me", env[JobEnvironment.HostVar]);
        Assert.Equal(JobPlan.NodeSegmentPath("job-7", 0), env[JobEnvironment.ShmPathVar]);
        Assert.Equal("AB12", env[JobEnvironment.SecretVar]);
        Assert.Null(env[JobEnvironment.SecretStdinVar]);
        Assert.Equal("10.1.0.254", env[NodeVariables.IfaceAddressVar]);
        Assert.Null(env[JobEnvironment.IfaceVar]);
        Assert.Equal("99", env[JobEnvironment.LauncherPidVar]);
        Assert.Null(env[JobEnvironment.OversubscribedVar]);
    }

    [Fact]
    public void ThisHostIsOversubscribedBeyondItsCoresEvenWithinItsSlots()
    {
        var placement = RankPlacement.Place([new HostSpec("localhost", 8)], 4);
        var o = Options(4, 8) with { Placement = placement };
        var nodes = JobPlan.NodesFor(o, new HostLocality("me", []), localCores: 2);
        Assert.True(Assert.Single(nodes).Oversubscribed);
        Assert.False(JobPlan.NeedsNetwork(nodes));
    }

    [Fact]
    public void OneRemoteHostStillNeedsTheNetwork()
    {
        var placement = RankPlacement.Place([new HostSpec("far", 4)], 4);
        var o = Options(4, 4) with { Placement = placement };
        Assert.True(JobPlan.NeedsNetwork(JobPlan.NodesFor(o, new HostLocality("me", []), localCores: 2)));
    }
}
