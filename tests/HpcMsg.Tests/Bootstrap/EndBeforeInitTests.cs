using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Bootstrap;

/// <summary>
/// Under hpcrun (np 4, one host) a rank ends before it calls <c>Communicator.Init</c>
/// (TESTAPP_END_BEFORE_INIT): killed at once, killed once the others are in Init, or exiting with
/// code 3; also over two "hosts" joined through hpcrun's rendezvous. hpcrun (or its launch agent) is
/// the ranks' parent and sees it: the job ends quickly with the rank's code (137 for SIGKILL, as a
/// shell says), naming the rank, and leaves nothing (<see cref="JobRunner"/>). The same
/// cases under srun and mpiexec are in SrunInitFailureTests and MpiexecJobTests.
/// </summary>
[Collection(JobsCollection.Name)]
public class EndBeforeInitTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(30);

    /// <summary>Two "hosts" of this machine started through a launch agent: the ranks join through
    /// hpcrun's rendezvous (its lifeline), as on a cluster.</summary>
    private static readonly string[] TwoHosts = ["--host", "a:2,b:2", "--launch-agent", "sh -c 'shift; exec \"$@\"' agent {host}", "--iface", "127.0.0.0/8"];

    private JobResult Run(string end, bool rendezvous = false) =>
        JobRunner.Run(new JobSpec(4, "basic")
        {
            Environment = new Dictionary<string, string?> { ["TESTAPP_END_BEFORE_INIT"] = end },
            LauncherArgs = rendezvous ? TwoHosts : [],
            Oversubscribe = true,
            LauncherTimeoutSeconds = 90,
        }, log);

    [Theory]
    [InlineData("3:0", 3)]
    [InlineData("3:1500", 3)]
    [InlineData("0:1500", 0)]
    public void ARankKilledBeforeInitEndsTheJobWith137(string end, int victim)
    {
        JobResult r = Run(end);
        JobAssert.ExitedWith(r, 137);
        JobAssert.StderrNamesFailedRank(r, victim, "signal", "9");
        Assert.DoesNotContain("OK basic", r.Stdout);
        JobAssert.FinishedWithin(r, Quickly);
    }

    [Theory]
    [InlineData("3:0", 3)]
    [InlineData("1:1500", 1)]
    public void ThroughTheRendezvousARankKilledBeforeInitEndsTheJobWith137(string end, int victim)
    {
        JobResult r = Run(end, rendezvous: true);
        JobAssert.ExitedWith(r, 137);
        JobAssert.StderrNamesFailedRankOnHost(r, victim, victim < 2 ? "a" : "b", "signal", "9");
        Assert.DoesNotContain("OK basic", r.Stdout);
        JobAssert.FinishedWithin(r, Quickly);
    }

    [Fact]
    public void ARankThatExitsBeforeInitEndsTheJobWithItsCode()
    {
        JobResult r = Run("2:0:exit");
        JobAssert.ExitedWith(r, 3);
        JobAssert.StderrNamesFailedRank(r, 2, "3");
        JobAssert.FinishedWithin(r, Quickly);
    }
}
