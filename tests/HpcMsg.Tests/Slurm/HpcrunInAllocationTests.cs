using System.Diagnostics;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Slurm;

/// <summary>
/// hpcrun inside a real Slurm allocation (the cluster of .ci/slurm-up, nodes in network namespaces whose
/// names do not resolve here): no -n and no hostfile, the ranks of every node started through one srun
/// step, failures reported as on any host, and nothing left once the allocation ends, whether a rank or
/// hpcrun itself is killed. Every job has a hard limit and the leftover check of <see cref="SlurmCommand"/>.
/// The jobs take the cluster's nodes, whatever their number: those of trait <see cref="SlurmTopology.OneNode"/>
/// also run on <c>.ci/slurm-up single</c>.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class HpcrunInAllocationTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(150);

    private static string[] Hpcrun(params string[] args) =>
        [BuildArtifacts.DotnetHost, BuildArtifacts.HpcRunDll, "--timeout", "120", .. args];

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void Inside_salloc_without_np_or_hostfile_hpcrun_runs_one_rank_on_every_node()
    {
        string[] nodes = NodeNames();
        JobResult r = SlurmCommand.Run("salloc", ["-N", $"{nodes.Length}", "--overcommit", .. Hpcrun(BuildArtifacts.TestAppDll, "hostnames")], Limit, log);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("OK hostnames", r.Stdout, StringComparison.Ordinal);
        // One rank per node (salloc -N k gives SLURM_TASKS_PER_NODE=1(xk) and no SLURM_NTASKS), each on its own node.
        string[] hosts = [.. Lines(r.Stdout).Where(l => l.StartsWith("rank ", StringComparison.Ordinal)).Select(l => l.Split(" on host ")[1])];
        Assert.True(hosts.Order().SequenceEqual(nodes.Order()), $"expected one rank on each of {string.Join(',', nodes)}\n{r}");
        Assert.Contains($"rank 0 of {nodes.Length} on host {nodes[0]}", r.Stdout, StringComparison.Ordinal);
        // hpcrun names the placement of a job on several hosts (none on one node: one rank, nothing to say).
        if (nodes.Length > 1)
            Assert.Contains("hpcrun: ranks " + string.Join(", ", nodes.Select((n, i) => $"{i} on {n}")), r.Stderr, StringComparison.Ordinal);
        else
            Assert.DoesNotContain("hpcrun: rank", r.Stderr, StringComparison.Ordinal);
    }

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void Inside_salloc_the_ranks_fill_the_task_slots_of_each_node()
    {
        string[] nodes = NodeNames();
        // SLURM_TASKS_PER_NODE=2(x k-1),1 over k nodes; on one node, 4 (then the ranks of hpcrun's own node alone).
        int np = nodes.Length == 1 ? 4 : 2 * nodes.Length - 1;
        JobResult r = SlurmCommand.Run("salloc", ["-N", $"{nodes.Length}", "-n", $"{np}", "--overcommit", .. Hpcrun("--tag-output", BuildArtifacts.TestAppDll, "hostnames")], Limit, log);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("[0] OK hostnames", r.Stdout, StringComparison.Ordinal);
        for (int rank = 0; rank < np; rank++)
            Assert.Contains($"[{rank}] rank {rank} of {np} on host {nodes[Math.Min(rank / 2, nodes.Length - 1)]}", r.Stdout, StringComparison.Ordinal);
    }

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void A_rank_killed_inside_the_allocation_ends_the_job_with_its_signal_and_leaves_nothing()
    {
        string[] nodes = NodeNames();
        JobResult r = SlurmCommand.Run("salloc", ["-N", $"{nodes.Length}", "--overcommit", .. Hpcrun(BuildArtifacts.TestAppDll, "sigkill")], Limit, log);
        Assert.True(r.ExitCode == 137, $"expected 137 (SIGKILL)\n{r}");
        Assert.Contains($"hpcrun: rank {nodes.Length - 1} on host {nodes[^1]} was killed by signal 9 (SIGKILL)", r.Stderr, StringComparison.Ordinal);
    }

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void An_abort_inside_the_allocation_ends_the_job_with_its_code()
    {
        string[] nodes = NodeNames();
        JobResult r = SlurmCommand.Run("salloc", ["-N", $"{nodes.Length}", "--overcommit", .. Hpcrun(BuildArtifacts.TestAppDll, "abort", "7")], Limit, log);
        Assert.True(r.ExitCode == 7, $"expected 7\n{r}");
        Assert.Contains("aborted the job with code 7", r.Stderr, StringComparison.Ordinal);
    }

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void Hpcruns_timeout_inside_the_allocation_stops_the_ranks_on_every_node()
    {
        string[] nodes = NodeNames();
        JobResult r = SlurmCommand.Run("salloc", ["-N", $"{nodes.Length}", "--overcommit",
            BuildArtifacts.DotnetHost, BuildArtifacts.HpcRunDll, "--timeout", "5", BuildArtifacts.TestAppDll, "hang"], Limit, log);
        Assert.True(r.ExitCode == 124, $"expected 124 (timed out)\n{r}");
        Assert.Contains("hpcrun: job timed out after 5 s", r.Stderr, StringComparison.Ordinal);
    }

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void Killing_hpcrun_inside_the_allocation_leaves_nothing_behind()
    {
        string[] nodes = NodeNames();
        int killed = 0;
        JobResult r = SlurmCommand.Run("salloc", ["-N", $"{nodes.Length}", "--overcommit", .. Hpcrun(BuildArtifacts.TestAppDll, "hang")], Limit, log,
            whileRunning: (_, marker) =>
            {
                // Once every node's rank runs, SIGKILL hpcrun (not its srun, agents or ranks).
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < TimeSpan.FromSeconds(90))
                {
                    var procs = Leftovers.Processes(marker);
                    int ranks = procs.Count(p => p.CommandLine.Contains("HpcMsg.TestApp.dll hang", StringComparison.Ordinal)
                                                 && !p.CommandLine.Contains("HpcRun.dll", StringComparison.Ordinal));
                    var hpcrun = procs.Where(p => p.CommandLine.Contains("HpcRun.dll --timeout", StringComparison.Ordinal)
                                                  && !p.CommandLine.StartsWith("salloc", StringComparison.Ordinal)).ToList();
                    if (ranks == nodes.Length && hpcrun.Count == 1)
                    {
                        Process.GetProcessById(hpcrun[0].Pid).Kill();
                        killed = hpcrun[0].Pid;
                        return;
                    }
                    Thread.Sleep(100);
                }
            });
        Assert.True(killed != 0, $"the ranks did not all start\n{r}");
        // salloc's own exit code says nothing here (Slurm 22.05's salloc exits 0 when its command is killed
        // by a signal); what matters is that SlurmCommand.Run has checked that no process of the job, no queued job and no segment file is left.
    }

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void The_example_sbatch_script_runs_hpcrun_over_the_nodes()
    {
        string[] nodes = NodeNames();
        string output = Path.Combine(Path.GetTempPath(), $"hpcmsg-sbatch-{Guid.NewGuid():N}.out");
        try
        {
            string script = Path.Combine(RepositoryRoot.Path, "examples", "slurm", "hpcrun.sbatch");
            string hello = Examples.ExampleJob.ExampleDll("Hello");
            JobResult r = SlurmCommand.Run("sbatch", ["--wait", "-N", $"{nodes.Length}", "--ntasks-per-node=2", "--overcommit", $"--output={output}", script, hello], Limit, log,
                environment: new Dictionary<string, string?> { ["HPCRUN"] = $"{BuildArtifacts.DotnetHost} {BuildArtifacts.HpcRunDll}" });
            string text = File.Exists(output) ? File.ReadAllText(output) : "(no output file)";
            Assert.True(r.ExitCode == 0, $"{r}\n--- {output} ---\n{text}");
            int np = 2 * nodes.Length;
            string[] hellos = [.. Lines(text).Where(l => l.Contains("Hello, World! from rank", StringComparison.Ordinal))];
            Assert.True(hellos.Length == np, $"expected {np} hellos\n{text}");
            Assert.Contains("Hello OK", text, StringComparison.Ordinal);
            foreach (string node in nodes)
                Assert.True(hellos.Count(l => l.Contains($"(running on {node})", StringComparison.Ordinal)) == 2, $"expected 2 ranks on {node}\n{text}");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [SlurmFact]
    [Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]
    public void The_example_srun_pmi2_sbatch_script_runs_as_its_sbatch_lines_say()
    {
        // The script's own #SBATCH lines (2 nodes x 4 tasks; the test nodes advertise SLOTS=8 CPUs, so
        // no --overcommit): srun --mpi=pmi2 starts the 8 ranks, which are one job. A one-node cluster
        // cannot give 2 nodes: there -N 1 overrides that line, and the 4 ranks of the node are the job.
        string[] nodes = NodeNames();
        string[] oneNode = nodes.Length == 1 ? ["-N", "1"] : [];
        int np = 4 * Math.Min(2, nodes.Length);
        string output = Path.Combine(Path.GetTempPath(), $"hpcmsg-sbatch-{Guid.NewGuid():N}.out");
        try
        {
            string script = Path.Combine(RepositoryRoot.Path, "examples", "slurm", "srun-pmi2.sbatch");
            string hello = Examples.ExampleJob.ExampleDll("Hello");
            JobResult r = SlurmCommand.Run("sbatch", ["--wait", .. oneNode, $"--output={output}", script, hello], Limit, log,
                environment: new Dictionary<string, string?> { ["DOTNET"] = BuildArtifacts.DotnetHost });
            string text = File.Exists(output) ? File.ReadAllText(output) : "(no output file)";
            Assert.True(r.ExitCode == 0, $"{r}\n--- {output} ---\n{text}");
            string[] hellos = [.. Lines(text).Where(l => l.Contains("Hello, World! from rank", StringComparison.Ordinal))];
            Assert.True(hellos.Length == np, $"expected {np} hellos\n{text}");
            Assert.True(Lines(text).Count(l => l.Contains("Hello OK", StringComparison.Ordinal)) == 1, $"expected one 'Hello OK' (one job of {np}, not {np} of 1)\n{text}");
            foreach (string node in nodes.Take(2))
                Assert.True(hellos.Count(l => l.Contains($"(running on {node})", StringComparison.Ordinal)) == 4, $"expected 4 ranks on {node}\n{text}");
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>The cluster's nodes, in Slurm's order.</summary>
    private static string[] NodeNames()
    {
        var r = SlurmCommand.Client("sinfo", ["-h", "-N", "-o", "%N"], TimeSpan.FromSeconds(15));
        Assert.True(r.ExitCode == 0, r.ToString());
        return [.. r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct()];
    }
}
