using HpcMsg.Tests.Infrastructure;
using HpcMsg.Tests.Ofi;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Slurm;

/// <summary>
/// libfabric under Slurm: <c>srun --mpi=pmi2</c> starts the ranks on the nodes of the test cluster
/// (network and UTS namespaces), each rank publishes its libfabric address in the PMI key-value space
/// beside its TCP endpoint, and the traffic between nodes goes over the provider named by
/// <c>HPCMSG_NETWORK=ofi HPCMSG_OFI_PROVIDER=...</c> (<c>net</c> and <c>tcp;ofi_rxm</c>, the two this
/// machine can test with). The <c>fabric</c> scenario proves that every rank had libfabric mapped while
/// it talked, so that a silent fall-back to TCP cannot pass. Every job is checked for leftovers
/// (processes, queue entries, /dev/shm files) by <see cref="SlurmCommand"/>.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class SrunOfiTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private JobResult Srun(string provider, int nodes, int tasks, params string[] scenario) =>
        SlurmCommand.Run("srun",
            ["--mpi=pmi2", "-N", Text(nodes), "-n", Text(tasks), "--overcommit", BuildArtifacts.DotnetHost, BuildArtifacts.TestAppDll, .. scenario],
            Limit, log, new Dictionary<string, string?> { ["HPCMSG_NETWORK"] = "ofi", ["HPCMSG_OFI_PROVIDER"] = provider });

    private static string Text(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Succeeded as one job: rank 0 alone says OK (N singletons would each say it).</summary>
    private static void OneJobSucceeded(JobResult r, string scenario)
    {
        JobAssert.Succeeded(r, scenario);
        int oks = r.Stdout.Split('\n').Count(l => l.Trim() == $"OK {scenario}");
        Assert.True(oks == 1, $"expected one 'OK {scenario}' line (one job), got {oks}\n{r}");
    }

    /// <summary>One rank per node (every pair talks over libfabric), and two ranks on each of two nodes
    /// (shared memory within a node, libfabric between them).</summary>
    [SlurmOfiTheory(Nodes = 3)]
    [InlineData("net", 3, 3)]
    [InlineData("tcp;ofi_rxm", 3, 3)]
    [InlineData("net", 2, 4)]
    [InlineData("tcp;ofi_rxm", 2, 4)]
    public void Every_rank_has_libfabric_loaded_while_it_talks(string provider, int nodes, int tasks)
    {
        JobResult r = Srun(provider, nodes, tasks, "fabric");
        OneJobSucceeded(r, "fabric");
        string[] lines = [.. r.Stdout.Split('\n').Select(l => l.Trim())];
        for (int rank = 0; rank < tasks; rank++)
        {
            string[] mine = [.. lines.Where(l => l.StartsWith($"rank {rank} libfabric=", StringComparison.Ordinal))];
            Assert.True(mine.Length == 1 && mine[0].Contains("libfabric.so", StringComparison.Ordinal),
                $"rank {rank}: expected one line with libfabric mapped, got [{string.Join(" | ", mine)}]\n{r}");
        }
    }

    [SlurmOfiTheory(Nodes = 2)]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void Point_to_point_conformance_over_two_nodes(string provider)
    {
        JobResult r = Srun(provider, 2, 4, "basic");
        OneJobSucceeded(r, "basic");
    }

    [SlurmOfiTheory(Nodes = 3)]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void Collectives_over_three_nodes(string provider)
    {
        JobResult r = Srun(provider, 3, 6, "collectives", "quick");
        OneJobSucceeded(r, "collectives");
    }

    [SlurmOfiTheory(Nodes = 2)]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void Every_message_size_between_two_nodes(string provider)
    {
        JobResult r = Srun(provider, 2, 2, "sizes");
        OneJobSucceeded(r, "sizes");
    }

    /// <summary>A task killed (SIGKILL) while the others talk to it over libfabric: the step ends with
    /// 137, its death is named, and nothing is left on any node.</summary>
    [SlurmOfiTheory(Nodes = 2)]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void A_killed_task_ends_the_step_and_leaves_nothing(string provider)
    {
        JobResult r = Srun(provider, 2, 4, "sigkill");
        JobAssert.ExitedWith(r, 137);
        JobAssert.StderrHasLineWith(r, "rank 3", "died");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    /// <summary>A task alone on its node killed while the others wait on it over libfabric (no TCP
    /// connection to it: TCP carries no message on this path): the node leaders' ring sees its node's
    /// link break and ends the step, as over TCP.</summary>
    [SlurmOfiTheory(Nodes = 3)]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void A_task_killed_alone_on_its_node_ends_the_step(string provider)
    {
        JobResult r = Srun(provider, 3, 3, "sigkill");
        JobAssert.ExitedWith(r, 137);
        JobAssert.StderrHasLineWith(r, "rank 2", "first rank", "is gone", "ending the job");
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }

    /// <summary>A provider libfabric does not offer fails Init on every rank, naming it, and the step ends.</summary>
    [SlurmOfiFact(Nodes = 2)]
    public void An_unknown_provider_fails_every_rank_naming_it()
    {
        JobResult r = Srun("no-such-provider", 2, 2, "basic");
        Assert.NotEqual(0, r.ExitCode);
        JobAssert.StderrHasLineWith(r, "no-such-provider");
        Assert.DoesNotContain("OK basic", r.Stdout, StringComparison.Ordinal);
        JobAssert.FinishedWithin(r, TimeSpan.FromSeconds(60));
    }
}

/// <summary>A fact that needs a Slurm cluster and libfabric: skipped, with the reason, where either is
/// missing, unless the run requires them (HPCMSG_SLURM_REQUIRED=1 as .ci/run sets it, or
/// HPCMSG_OFI_REQUIRED=1): then it runs, and fails.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SlurmOfiFactAttribute : FactAttribute
{
    private int nodes = 1;

    public SlurmOfiFactAttribute() => Skip = SlurmOfi.SkipReason();

    /// <summary>The nodes the test needs: on a smaller cluster it is skipped, saying so (<see cref="SlurmFactAttribute.Nodes"/>).</summary>
    public int Nodes
    {
        get => nodes;
        set
        {
            nodes = value;
            Skip ??= SlurmSupport.WhyTooFewNodes(value);
        }
    }
}

/// <summary>The theory form of <see cref="SlurmOfiFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SlurmOfiTheoryAttribute : TheoryAttribute
{
    private int nodes = 1;

    public SlurmOfiTheoryAttribute() => Skip = SlurmOfi.SkipReason();

    /// <summary>The nodes its most demanding row needs (<see cref="SlurmFactAttribute.Nodes"/>).</summary>
    public int Nodes
    {
        get => nodes;
        set
        {
            nodes = value;
            Skip ??= SlurmSupport.WhyTooFewNodes(value);
        }
    }
}

internal static class SlurmOfi
{
    public static string? SkipReason()
    {
        if (SlurmSupport.WhyUnavailable is string why && !SlurmSupport.Required)
            return $"skipped: needs a Slurm cluster, and {why}";
        if (OfiSupport.WhyNoLibrary is string noLibrary && !OfiSupport.Required && !SlurmSupport.Required)
            return $"skipped: needs libfabric, and {noLibrary}";
        return null;
    }
}
