using HpcMsg.Bootstrap;
using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class RankEnvironmentTests
{
    private static LauncherOptions Options(int np, int slots, params KeyValuePair<string, string>[] forwarded) =>
        new(np, slots, Oversubscribe: true, TagOutput: false, forwarded, null, BindMode.None, "app.dll", []);

    [Fact]
    public void EachRankGetsTheJobVariables()
    {
        var env = RankEnvironment.For(2, Options(4, 8), "abc-1", "/dev/shm/hpcmsg-0-abc-1", 1234).ToDictionary();
        Assert.Equal("2", env[JobEnvironment.RankVar]);
        Assert.Equal("4", env[JobEnvironment.SizeVar]);
        Assert.Equal("abc-1", env[JobEnvironment.JobIdVar]);
        Assert.Equal("/dev/shm/hpcmsg-0-abc-1", env[JobEnvironment.ShmPathVar]);
        Assert.Equal("1234", env[JobEnvironment.LauncherPidVar]);
        // Null means "remove": a value inherited from an enclosing job must not leak in.
        Assert.Null(env[JobEnvironment.OversubscribedVar]);
    }

    [Fact]
    public void OversubscribedOnlyWhenRanksExceedSlots()
    {
        var env = RankEnvironment.For(0, Options(3, 2), "j", "/dev/shm/x", 1).ToDictionary();
        Assert.Equal("1", env[JobEnvironment.OversubscribedVar]);
    }

    [Fact]
    public void SingleRankJobHasNoSegment()
    {
        var env = RankEnvironment.For(0, Options(1, 2), "j", null, 1).ToDictionary();
        Assert.Null(env[JobEnvironment.ShmPathVar]);
    }

    [Fact]
    public void ForwardedVariablesComeFirstSoTheJobsOwnWin()
    {
        var env = RankEnvironment.For(0, Options(2, 2, new KeyValuePair<string, string>("FOO", "bar")), "j", "/dev/shm/x", 1);
        Assert.Equal(new KeyValuePair<string, string?>("FOO", "bar"), env[0]);
    }
}
