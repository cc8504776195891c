using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Launcher;

/// <summary>
/// The runtime setting hpcrun gives every rank (<see cref="HpcRun.RankEnvironment.TieringDelayMultiplierVar"/>:
/// a rank bound to one core reaches tier-1 code as soon as an unbound one), seen by the ranks
/// themselves: 1 by default, the user's value when -x gives one.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class RankRuntimeSettingsTests(ITestOutputHelper log)
{
    private const string Name = HpcRun.RankEnvironment.TieringDelayMultiplierVar;
    private const string Script = "echo \"rank=$HPCMSG_RANK tiering=${" + Name + ":-unset}\"";

    private JobResult Run(params string[] launcherArgs) =>
        JobRunner.Run(new JobSpec(2, "-c", Script) { Program = "/bin/sh", LauncherArgs = launcherArgs }, log);

    private static void EveryRankSaw(JobResult r, string value)
    {
        JobAssert.ExitedWith(r, 0);
        for (int rank = 0; rank < 2; rank++)
            Assert.True(r.Stdout.Contains($"rank={rank} tiering={value}", StringComparison.Ordinal), $"rank {rank}: expected tiering={value}\n{r}");
    }

    [Fact]
    public void RanksBoundToACoreGetAMultiplierOfOne() =>
        EveryRankSaw(Run("--bind-to", "core"), Environment.GetEnvironmentVariable(Name) ?? "1");

    [Fact]
    public void TheUsersValueWins() => EveryRankSaw(Run("-x", $"{Name}=4"), "4");
}
