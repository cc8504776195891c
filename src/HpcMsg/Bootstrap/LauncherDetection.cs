using System.Globalization;

namespace HpcMsg.Bootstrap;

/// <summary>Which launcher started this process, as far as the library can speak to it.</summary>
internal enum LaunchKind
{
    /// <summary>No launcher: a job of size 1.</summary>
    Singleton,
    /// <summary>hpcrun (HPCMSG_RANK and the rest).</summary>
    HpcRun,
    /// <summary>A PMI-2 server on PMI_FD (Slurm's <c>srun --mpi=pmi2</c>: PMI_JOBID is set).</summary>
    Pmi2,
    /// <summary>A PMI-1 server on PMI_FD (MPICH's Hydra <c>mpiexec</c>: no PMI_JOBID).</summary>
    Pmi1,
    /// <summary>A PMIx server (PMIX_NAMESPACE and PMIX_RANK, no PMI_FD: <c>srun --mpi=pmix</c>, Open
    /// MPI's mpirun or prterun), reached through libpmix loaded at run time.</summary>
    Pmix,
}

/// <summary>
/// Decides from the environment how this process joins its job, and refuses to come up as one of N
/// silent singletons: a process that a launcher started as one task of many, but whose launcher the
/// library cannot speak to (srun without <c>--mpi=pmi2</c> or <c>--mpi=pmix</c>, Open MPI's mpirun
/// without PMIx), fails with a message naming the fix instead of running alone. A PMIx launcher is
/// spoken to through libpmix; when libpmix cannot be loaded, Init fails naming what was tried.
/// </summary>
internal static class LauncherDetection
{
    public const string FixHint = "start it with 'srun --mpi=pmi2' (or set MpiDefault=pmi2 in slurm.conf), 'srun --mpi=pmix' with libpmix installed, with MPICH's 'mpiexec.mpich', or with hpcrun";

    public static LaunchKind Detect() => Detect(Environment.GetEnvironmentVariable);

    /// <summary><paramref name="env"/> reads a variable (tests pass a dictionary's lookup).</summary>
    public static LaunchKind Detect(Func<string, string?> env)
    {
        // hpcrun's own variables win: hpcrun inside a Slurm allocation starts its ranks through srun,
        // so they may see Slurm's (and PMI's) variables too.
        if (Configuration.Parameters.Rank.IsPresent(env)) return LaunchKind.HpcRun;
        if (!string.IsNullOrEmpty(env("PMI_FD")))
            return string.IsNullOrEmpty(env("PMI_JOBID")) ? LaunchKind.Pmi1 : LaunchKind.Pmi2;
        if (!string.IsNullOrEmpty(env("PMI_PORT")))
            throw new HpcMsgException($"this process was started with a PMI server on PMI_PORT={env("PMI_PORT")} (MPICH's Hydra over the network), which HpcMsg does not speak; HpcMsg speaks PMI over an inherited PMI_FD: {FixHint}");
        if (!string.IsNullOrEmpty(env("PMIX_RANK")) && !string.IsNullOrEmpty(env("PMIX_NAMESPACE"))) return LaunchKind.Pmix;
        if (!string.IsNullOrEmpty(env("PMIX_RANK")) || !string.IsNullOrEmpty(env("PMIX_NAMESPACE")))
            throw new HpcMsgException($"this process was started by a PMIx launcher (srun --mpi=pmix, or Open MPI's mpirun/prterun), but it gives PMIX_RANK='{env("PMIX_RANK")}' and PMIX_NAMESPACE='{env("PMIX_NAMESPACE")}', and a PMIx client needs both: {FixHint}");
        if (Count(env, "OMPI_COMM_WORLD_SIZE") > 1)
            throw new HpcMsgException($"this process is one of {Count(env, "OMPI_COMM_WORLD_SIZE")} started by Open MPI's mpirun without PMIx (no PMIX_NAMESPACE and PMIX_RANK: an Open MPI older than 2.0), which HpcMsg cannot speak to; running it would give that many separate jobs of size 1: {FixHint}");
        // A task of an srun step has SLURM_STEP_ID; a batch script or an salloc shell has SLURM_NTASKS
        // of the whole allocation but no step of its own, and a program run there is a real singleton.
        // Such a shell always has SLURM_JOB_ID and is task 0; SLURM_NTASKS without a job id, or with a
        // task number above 0, can only be one of several tasks.
        bool step = env("SLURM_STEP_ID") is not null || env("SLURM_STEPID") is not null;
        bool batchShell = !step && (env("SLURM_JOB_ID") is not null || env("SLURM_JOBID") is not null) && Count(env, "SLURM_PROCID") == 0;
        if (!batchShell && Count(env, "SLURM_NTASKS") + Count(env, "SLURM_STEP_NUM_TASKS") > 0)
        {
            int tasks = Math.Max(Count(env, "SLURM_STEP_NUM_TASKS"), env("SLURM_STEP_NUM_TASKS") is null ? Count(env, "SLURM_NTASKS") : 0);
            if (tasks > 1)
                throw new HpcMsgException($"this process is task {env("SLURM_PROCID")} of {tasks} of a Slurm step started without PMI (srun --mpi=none, or MpiDefault=none); running it would give {tasks} separate jobs of size 1: {FixHint}");
        }
        return LaunchKind.Singleton;
    }

    private static int Count(Func<string, string?> env, string name) =>
        int.TryParse(env(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : 0;
}
