using System.Globalization;

namespace HpcRun;

/// <summary>
/// The Slurm allocation hpcrun runs in (inside <c>salloc</c> or an <c>sbatch</c> script): its job id, its
/// nodes (<c>SLURM_JOB_NODELIST</c>) with their task slots (<c>SLURM_TASKS_PER_NODE</c>), and the task
/// count it was granted (<c>SLURM_NTASKS</c>, absent when only nodes were asked for).
/// </summary>
internal sealed record SlurmAllocation(string JobId, IReadOnlyList<HostSpec> Hosts, int? NTasks)
{
    public const string JobIdVar = "SLURM_JOB_ID";
    public const string NodeListVar = "SLURM_JOB_NODELIST";
    public const string TasksPerNodeVar = "SLURM_TASKS_PER_NODE";
    public const string NTasksVar = "SLURM_NTASKS";

    public int TotalSlots => (int)Math.Min(int.MaxValue, Hosts.Sum(h => (long)h.Slots));

    /// <summary>The ranks to start when -n is not given: SLURM_NTASKS, else one per slot.</summary>
    public int DefaultNp => NTasks ?? TotalSlots;

    /// <summary>The allocation in the environment, or null outside one (no SLURM_JOB_ID or no node list).
    /// A malformed variable is an error that names it and quotes its text.</summary>
    public static SlurmAllocation? FromEnvironment(Func<string, string?> getEnv)
    {
        ArgumentNullException.ThrowIfNull(getEnv);
        string? jobId = getEnv(JobIdVar);
        string? nodeList = getEnv(NodeListVar) ?? getEnv("SLURM_NODELIST");
        if (string.IsNullOrEmpty(jobId) || string.IsNullOrEmpty(nodeList)) return null;
        IReadOnlyList<string> nodes;
        try
        {
            nodes = SlurmHostList.Expand(nodeList);
        }
        catch (FormatException e)
        {
            throw Failure($"{NodeListVar}={e.Message}");
        }
        var duplicate = nodes.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw Failure($"{NodeListVar}='{nodeList}': node '{duplicate.Key}' is listed twice");

        string? perNode = getEnv(TasksPerNodeVar);
        IReadOnlyList<int> slots;
        if (string.IsNullOrEmpty(perNode))
        {
            slots = [.. nodes.Select(_ => 1)];
        }
        else
        {
            try
            {
                slots = SlurmTasksPerNode.Parse(perNode);
            }
            catch (FormatException e)
            {
                throw Failure($"{TasksPerNodeVar}={e.Message}");
            }
            if (slots.Count != nodes.Count)
                throw Failure($"{TasksPerNodeVar}='{perNode}' gives {slots.Count} node(s) but {NodeListVar}='{nodeList}' has {nodes.Count}");
        }

        int? ntasks = null;
        if (getEnv(NTasksVar) is { Length: > 0 } ntasksText)
        {
            if (!int.TryParse(ntasksText, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                throw Failure($"{NTasksVar}='{ntasksText}' is not a whole number of tasks, at least 1");
            ntasks = n;
        }
        var hosts = new List<HostSpec>();
        for (int i = 0; i < nodes.Count; i++)
            if (slots[i] > 0) hosts.Add(new HostSpec(nodes[i], slots[i]));
        if (hosts.Count == 0) throw Failure($"{TasksPerNodeVar}='{perNode}' gives no node a task");
        return new SlurmAllocation(jobId, hosts, ntasks);
    }

    private static LauncherException Failure(string message) =>
        new($"inside the Slurm allocation: {message}", ExitCodes.Usage);
}
