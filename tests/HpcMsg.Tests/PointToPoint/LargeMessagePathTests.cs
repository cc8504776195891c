using System.Globalization;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>
/// Large messages between the ranks of a node by each path (scenario "largepaths"): the default (single
/// copy from HPCMSG_SHM_CMA_BYTES, the ring pipeline between the eager limit and it), the single copy at
/// every rendezvous size, the ring forced, and the receiver's choice between the two
/// (HPCMSG_SHM_LARGE_PATH=auto, the default with a core per rank), whose rules the scenario checks step by
/// step; and the fallback, where the kernel refuses one rank every
/// process_vm_readv (a seccomp filter, which refuses root too): its pairs take the ring for good, the
/// others keep the single copy, and every byte arrives. np = 3 on 2 cores: oversubscribed, three pairs.
/// Each job draws its sizes and inputs from one fresh seed per test run, written to the log.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class LargeMessagePathTests(ITestOutputHelper log)
{
    private static readonly string Seed = Random.Shared.NextInt64(1, 1_000_000_000).ToString(CultureInfo.InvariantCulture);

    public static TheoryData<string> Paths => new() { "default", "single-copy", "ring", "auto" };

    private static string[] Options(string path) => path switch
    {
        "single-copy" => ScenarioJob.WithCrossMemoryAttach,
        "ring" => ScenarioJob.WithoutCrossMemoryAttach,
        "auto" => ["-x", "HPCMSG_SHM_LARGE_PATH=auto"], // the default with a core per rank; these jobs oversubscribe
        _ => [],
    };

    private JobSpec Job(int np, string path, params string[] args)
    {
        log.WriteLine($"seed {Seed} (rerun: hpcrun -n {np} {string.Join(' ', Options(path))} HpcMsg.TestApp.dll largepaths {Seed} {string.Join(' ', args)})");
        return new JobSpec(np, "largepaths", [Seed, .. args]) { LauncherArgs = Options(path) };
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Large_messages_of_every_threshold_size_and_the_large_collectives_arrive_intact(string path) =>
        ScenarioJob.Passes(log, Job(3, path));

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_rank_refused_single_copies_gets_every_message_through_the_ring_and_only_its_pairs_fall_back(string path) =>
        ScenarioJob.Passes(log, path switch
        {
            "default" => Job(3, path, "refuse", "1", "big"), // rank 1 also takes 240 MB from rank 0 through the ring
            "single-copy" => Job(3, path, "refuse", "0"),
            "auto" => Job(3, path, "refuse", "1", "of", "0"),
            _ => Job(3, path, "refuse", "2"),
        });

    [Fact]
    public void A_refusal_sends_only_that_pair_to_the_ring_the_refused_rank_still_reads_its_other_peers() =>
        ScenarioJob.Passes(log, Job(3, "default", "refuse", "1", "of", "2"));

    [Fact]
    public void A_240_MB_message_arrives_intact_by_the_default_path() =>
        ScenarioJob.Passes(log, Job(2, "default", "big"));
}
