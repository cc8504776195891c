using HpcMsg.Collectives;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Every collective against a serial computation of the same inputs (each rank can compute every
/// rank's input), under every algorithm each collective has (forced in turn), for empty, small, odd
/// and multi-MiB buffers, every root, on the world, a Dup and a Split half.
/// Args: [quick] to skip the multi-MiB size.
/// </summary>
internal sealed class CollectivesScenario : IScenario
{
    public string Name => "collectives";

    public string Arguments => "[quick]";

    public Task RunAsync(Communicator world, string[] args)
    {
        bool quick = args.Length > 0 && args[0] == "quick";
        int[] counts = quick ? [0, 1, 3, 17, 1000] : [0, 1, 3, 17, 1000, 40_000, 300_000];
        foreach (string setting in AlgorithmSettings.Apply(world))
        {
            var checks = new CollectiveChecks(world, setting);
            checks.RunAll(counts);
        }
        AlgorithmSettings.Reset(world);

        using Communicator dup = world.Dup();
        new CollectiveChecks(dup, "dup").RunAll([0, 5, 1000]);

        Communicator? half = world.Split(world.Rank % 2, -world.Rank);
        Check.True(half is not null, "Split with a color returns a communicator");
        Check.Equal((world.Size - world.Rank % 2 + 1) / 2, half.Size, "Split half size");
        // key = -rank orders the half in descending world rank.
        int expectedRank = 0;
        for (int r = world.Size - 1; r > world.Rank; r--) if (r % 2 == world.Rank % 2) expectedRank++;
        Check.Equal(expectedRank, half.Rank, "Split rank ordered by key");
        new CollectiveChecks(half, "split").RunAll([0, 7, 1000]);
        half.Dispose();

        Communicator? none = world.Split(world.Rank == 0 ? Communicator.Undefined : 1, 0);
        Check.True(world.Rank == 0 ? none is null : none!.Size == world.Size - 1, "Split with Undefined");
        none?.Dispose();

        CollectiveChecks.CheckBitIdentical(world);
        CollectiveChecks.CheckArgumentErrors(world);
        return Task.CompletedTask;
    }
}

/// <summary>Forces each algorithm of each collective in turn (all ranks run the same sequence).</summary>
internal static class AlgorithmSettings
{
    public static IEnumerable<string> Apply(Communicator comm)
    {
        Reset(comm);
        yield return "default";
        foreach (BcastAlgorithm a in Enum.GetValues<BcastAlgorithm>())
        {
            comm.Tuning = DifferentialSettings.Initial with { ForcedBcast = a };
            yield return $"bcast={a}";
        }
        foreach (AllreduceAlgorithm a in Enum.GetValues<AllreduceAlgorithm>())
        {
            comm.Tuning = DifferentialSettings.Initial with { ForcedAllreduce = a };
            yield return $"allreduce={a}";
        }
        foreach (ReduceAlgorithm a in Enum.GetValues<ReduceAlgorithm>())
        {
            comm.Tuning = DifferentialSettings.Initial with { ForcedReduce = a };
            yield return $"reduce={a}";
        }
        foreach (AllgatherAlgorithm a in Enum.GetValues<AllgatherAlgorithm>())
        {
            comm.Tuning = DifferentialSettings.Initial with { ForcedAllgather = a };
            yield return $"allgather={a}";
        }
        foreach (AlltoallAlgorithm a in Enum.GetValues<AlltoallAlgorithm>())
        {
            comm.Tuning = DifferentialSettings.Initial with { ForcedAlltoall = a };
            yield return $"alltoall={a}";
        }
        foreach (GatherScatterAlgorithm a in Enum.GetValues<GatherScatterAlgorithm>())
        {
            comm.Tuning = DifferentialSettings.Initial with { ForcedGatherScatter = a };
            yield return $"gather={a}";
        }
    }

    /// <summary>Back to what the environment chose (so the "default" pass runs an algorithm forced with
    /// HPCMSG_COLL_*, as An_algorithm_forced_through_the_environment_is_used_and_right expects).</summary>
    public static void Reset(Communicator comm) => DifferentialSettings.Reset(comm);
}
