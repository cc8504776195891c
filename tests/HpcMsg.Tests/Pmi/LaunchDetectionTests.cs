using HpcMsg.Bootstrap;
using HpcMsg.Bootstrap.Pmi;

namespace HpcMsg.Tests.Pmi;

/// <summary>How a process decides which launcher started it, and the refusals that prevent N silent
/// singletons; and the node layout, which refuses a placement that interleaves nodes.</summary>
public class LaunchDetectionTests
{
    private static LaunchKind Detect(params (string Name, string Value)[] vars)
    {
        var env = vars.ToDictionary(v => v.Name, v => v.Value);
        return LauncherDetection.Detect(name => env.GetValueOrDefault(name));
    }

    private static string Refusal(params (string, string)[] vars) =>
        Assert.Throws<HpcMsgException>(() => Detect(vars)).Message;

    [Fact]
    public void NothingIsASingleton() => Assert.Equal(LaunchKind.Singleton, Detect());

    [Fact]
    public void HpcRunWinsOverSlurmAndPmi() =>
        Assert.Equal(LaunchKind.HpcRun, Detect(("HPCMSG_RANK", "0"), ("PMI_FD", "5"), ("PMI_JOBID", "3.0"), ("SLURM_STEP_ID", "0"), ("SLURM_STEP_NUM_TASKS", "4")));

    [Fact]
    public void SrunWithPmi2IsPmi2() =>
        Assert.Equal(LaunchKind.Pmi2, Detect(("PMI_FD", "11"), ("PMI_RANK", "0"), ("PMI_SIZE", "4"), ("PMI_JOBID", "5.0"), ("SLURM_STEP_ID", "0"), ("SLURM_STEP_NUM_TASKS", "4")));

    [Fact]
    public void HydraWithoutPmiJobIdIsPmi1() =>
        Assert.Equal(LaunchKind.Pmi1, Detect(("PMI_FD", "6"), ("PMI_RANK", "1"), ("PMI_SIZE", "2")));

    [Fact]
    public void SrunWithoutPmiFailsNamingPmi2()
    {
        string m = Refusal(("SLURM_STEP_ID", "0"), ("SLURM_STEP_NUM_TASKS", "2"), ("SLURM_NTASKS", "2"), ("SLURM_PROCID", "1"));
        Assert.Contains("srun --mpi=pmi2", m);
        Assert.Contains("2 separate jobs of size 1", m);
    }

    [Fact]
    public void ASingleTaskStepOrABatchScriptIsASingleton()
    {
        Assert.Equal(LaunchKind.Singleton, Detect(("SLURM_STEP_ID", "0"), ("SLURM_STEP_NUM_TASKS", "1"), ("SLURM_NTASKS", "4")));
        Assert.Equal(LaunchKind.Singleton, Detect(("SLURM_JOB_ID", "17"), ("SLURM_NTASKS", "3"), ("SLURM_PROCID", "0"))); // sbatch script
        Assert.Equal(LaunchKind.Singleton, Detect(("SLURM_JOBID", "17"), ("SLURM_NTASKS", "3"))); // salloc shell
        Assert.Equal(LaunchKind.Singleton, Detect(("SLURM_JOB_ID", "17"), ("SLURM_NTASKS", "1")));
    }

    [Fact]
    public void TasksWithoutAStepIdAreStillRefusedUnlessTheyLookLikeABatchShell()
    {
        // API.md: SLURM_NTASKS > 1 and no PMI_FD fails naming --mpi=pmi2. Only a shell of the
        // allocation (a job id, task 0, no step) runs as a singleton.
        Assert.Contains("srun --mpi=pmi2", Refusal(("SLURM_NTASKS", "4")));
        Assert.Contains("4 separate jobs of size 1", Refusal(("SLURM_NTASKS", "4"), ("SLURM_PROCID", "0")));
        Assert.Contains("srun --mpi=pmi2", Refusal(("SLURM_JOB_ID", "17"), ("SLURM_NTASKS", "4"), ("SLURM_PROCID", "2")));
    }

    [Fact]
    public void SrunWithPmixIsPmix() =>
        Assert.Equal(LaunchKind.Pmix, Detect(("PMIX_RANK", "0"), ("PMIX_NAMESPACE", "slurm.pmix.8.0"), ("SLURM_STEP_ID", "0"), ("SLURM_STEP_NUM_TASKS", "4")));

    [Fact]
    public void OpenMpisMpirunWithPmixIsPmix() =>
        Assert.Equal(LaunchKind.Pmix, Detect(("PMIX_RANK", "2"), ("PMIX_NAMESPACE", "1431306241"), ("OMPI_COMM_WORLD_SIZE", "4"), ("OMPI_COMM_WORLD_RANK", "2")));

    [Fact]
    public void APmiFdWinsOverPmix() =>
        Assert.Equal(LaunchKind.Pmi2, Detect(("PMI_FD", "11"), ("PMI_RANK", "0"), ("PMI_SIZE", "4"), ("PMI_JOBID", "5.0"), ("PMIX_RANK", "0"), ("PMIX_NAMESPACE", "slurm.pmix.8.0")));

    [Fact]
    public void HalfAPmixEnvironmentFailsNamingTheFix()
    {
        string m = Refusal(("PMIX_RANK", "0"), ("SLURM_STEP_ID", "0"), ("SLURM_STEP_NUM_TASKS", "4"));
        Assert.Contains("PMIX_NAMESPACE", m);
        Assert.Contains("srun --mpi=pmi2", m);
    }

    [Fact]
    public void OpenMpisMpirunFails() =>
        Assert.Contains("Open MPI", Refusal(("OMPI_COMM_WORLD_SIZE", "4"), ("OMPI_COMM_WORLD_RANK", "0")));

    [Fact]
    public void PmiPortWithoutFdFails() =>
        Assert.Contains("PMI_PORT", Refusal(("PMI_PORT", "host:1234"), ("PMI_RANK", "0")));

    [Fact]
    public void BlockPlacementGivesContiguousLocalRanks()
    {
        string[] ids = ["a", "a", "a", "b", "b", "c"];
        Assert.Equal((0, 3, 2, 3), Positional(NodeLayout.Of(ids, 2)));
        Assert.Equal((1, 3, 1, 2), Positional(NodeLayout.Of(ids, 4)));
        Assert.Equal((2, 3, 0, 1), Positional(NodeLayout.Of(ids, 5)));
        Assert.Equal([0, 3, 5], NodeLayout.Of(ids, 5).FirstRanks);
    }

    [Fact]
    public void CyclicPlacementIsRefusedNamingBlockDistribution()
    {
        var e = Assert.Throws<HpcMsgException>(() => NodeLayout.Of(["n1/x", "n2/x", "n1/x", "n2/x"], 0));
        Assert.Contains("rank 2 is on node n1 with rank 0", e.Message);
        Assert.Contains("srun -m block", e.Message);
    }

    private static (int, int, int, int) Positional(NodeLayout l) => (l.Node, l.Nodes, l.LocalRank, l.LocalSize);
}
