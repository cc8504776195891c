using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Collectives;

/// <summary>
/// The differential test of every collective (scenario "differential", issue 15): random cases drawn
/// from a seed (collective and form, forced algorithm, type and op, count, root, communicator), each
/// compared with a serial fold in rank order. Each job runs the fixed seeds, which are checked to
/// cover every collective under every setting, every in-place form, every type with every op, every
/// communicator and every root at that rank count (--require-coverage), and one fresh seed per test
/// run, so that over time the whole space is sampled. A failure names the seed, the case and the
/// one command that reruns it; the fresh seed is also written to the test log.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class DifferentialTests(ITestOutputHelper log)
{
    /// <summary>Cases per seed: fewer where a case costs more (ranks oversubscribed on 2 cores), but
    /// always more than a deck of (collective, setting) pairs, so that the fixed seeds alone cover
    /// the whole space at every rank count.</summary>
    public static int CasesPerSeed(int np) => np <= 4 ? 250 : np <= 6 ? 200 : 150;

    public static readonly long[] FixedSeeds = [11, 12, 13];

    /// <summary>One fresh seed for this test run (every job of the run uses it).</summary>
    public static readonly long FreshSeed = Random.Shared.NextInt64(1, 1_000_000_000_000);

    public static string[] Arguments(int np, params long[] extraSeeds) =>
        ["--seed", string.Join(',', FixedSeeds.Concat(extraSeeds)), "--cases", CasesPerSeed(np).ToString(System.Globalization.CultureInfo.InvariantCulture), "--require-coverage"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    public void Every_collective_matches_the_serial_fold_in_rank_order(int np)
    {
        log.WriteLine($"fresh seed of this run: {FreshSeed}");
        ScenarioJob.Passes(log, new JobSpec(np, "differential", Arguments(np, FreshSeed))
        {
            Oversubscribe = true,
            LauncherTimeoutSeconds = 150,
            HardTimeout = TimeSpan.FromSeconds(180),
        });
    }

    /// <summary>Every message above the eager limit copied once by the receiver (process_vm_readv), down
    /// from the default's 32 KiB (HPCMSG_SHM_CMA_BYTES=0); with single copies on, Broadcast is linear at
    /// any size on the world.</summary>
    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void Every_collective_matches_the_serial_fold_through_the_single_copy(int np)
    {
        log.WriteLine($"fresh seed of this run: {FreshSeed}");
        ScenarioJob.Passes(log, new JobSpec(np, "differential", "--seed", $"{FixedSeeds[0]},{FreshSeed}", "--cases", "150")
        {
            Oversubscribe = true,
            LauncherArgs = ScenarioJob.WithCrossMemoryAttach,
            LauncherTimeoutSeconds = 120,
            HardTimeout = TimeSpan.FromSeconds(150),
        });
    }

    /// <summary>Every message above the eager limit pipelined through the rings (HPCMSG_SHM_CMA=0: the
    /// fallback where the kernel refuses single copies, forced), with Broadcast's tree or scatter-allgather.</summary>
    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void Every_collective_matches_the_serial_fold_through_the_ring_pipeline_forced(int np)
    {
        log.WriteLine($"fresh seed of this run: {FreshSeed}");
        ScenarioJob.Passes(log, new JobSpec(np, "differential", "--seed", $"{FixedSeeds[1]},{FreshSeed}", "--cases", "150")
        {
            Oversubscribe = true,
            LauncherArgs = ScenarioJob.WithoutCrossMemoryAttach,
            LauncherTimeoutSeconds = 120,
            HardTimeout = TimeSpan.FromSeconds(150),
        });
    }
}
