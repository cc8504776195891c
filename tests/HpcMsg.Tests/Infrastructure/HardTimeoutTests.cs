using Xunit.Abstractions;
using Xunit.Sdk;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>The harness's own safety net: a job that outlives the hard limit is killed, ranks and
/// all, and the test fails with a message that says so.</summary>
[Collection(JobsCollection.Name)]
public sealed class HardTimeoutTests(ITestOutputHelper log)
{
    [Fact]
    public void A_job_past_the_hard_limit_is_killed_with_its_ranks_and_fails_the_test()
    {
        string? marker = null;
        var spec = new JobSpec(2, "hang") { LauncherTimeoutSeconds = null, HardTimeout = TimeSpan.FromSeconds(3) };
        XunitException e = Assert.ThrowsAny<XunitException>(() => JobRunner.Run(spec, log, (_, m) => marker = m));
        Assert.Contains("did not finish within 3 s", e.Message, StringComparison.Ordinal);
        Assert.NotNull(marker);
        Assert.Empty(Leftovers.Processes(marker));
    }
}
