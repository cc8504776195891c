using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>A Dup has a message space of its own (scenario "dup").</summary>
[Collection(JobsCollection.Name)]
public sealed class DupTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Messages_on_a_dup_and_on_world_never_match_each_other(int np) => ScenarioJob.Passes(log, np, "dup");

    /// <summary>
    /// Issue 15: freed Dup/Split communicators gave back neither their context ids nor the messages
    /// left unreceived on them. 100,000 Dup/Dispose cycles at np 2 (fewer at np 4, where every cycle
    /// costs ~3x more on this 2-core machine), some with traffic and some with messages never received:
    /// the scenario checks that ids are reused (highest id small), nothing is left queued, and the
    /// managed heap does not grow.
    /// </summary>
    [Theory]
    [InlineData(2, 100_000)]
    [InlineData(4, 20_000)]
    public void Dup_and_dispose_cycles_run_in_bounded_memory_and_reuse_context_ids(int np, int cycles)
    {
        JobResult result = ScenarioJob.Passes(log, new JobSpec(np, "dupcycles", cycles.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            LauncherTimeoutSeconds = 300,
            HardTimeout = TimeSpan.FromSeconds(360),
        });
        log.WriteLine(result.Stdout);
    }
}
