using System.Diagnostics;
using HpcMsg.Bootstrap.Pmi;
using HpcMsg.Tests.Infrastructure;

namespace HpcMsg.Tests.Pmi;

/// <summary>
/// <see cref="NodeTasks"/> and <see cref="LocalTaskWatch"/> over real processes: a shell stands for the
/// process manager (slurmstepd, hydra_pmi_proxy) and its <c>sleep</c> children, each with its PMI_RANK,
/// for the node's tasks. A task seen alive and then killed is named with its rank and pid; a task missing
/// from the start is named at once where the tasks start together, only after the late-start grace where
/// they do not; a child without PMI_RANK is no task. Every shell and sleep carries a marker and is
/// killed afterwards.
/// </summary>
public sealed class NodeTasksTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);
    private readonly string _marker = MarkedProcess.NewMarker();
    private readonly List<Process> _shells = [];

    public void Dispose()
    {
        foreach (Process shell in _shells)
        {
            try { shell.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { } // already gone
            shell.Dispose();
        }
        Leftovers.KillAll(_marker);
        Assert.Empty(Leftovers.Processes(_marker));
    }

    /// <summary>A shell whose children are one <c>sleep</c> per entry, with PMI_RANK set where the entry
    /// is a rank (null: a child that is no task); returns the shell's pid and each child's pid by rank,
    /// once they all run.</summary>
    private (int Parent, Dictionary<int, int> PidOfRank) Manager(params int?[] ranks) => ManagerWith("PMI_RANK", ranks);

    /// <summary><see cref="Manager"/> with the rank in <paramref name="variable"/> (PMIX_RANK: srun --mpi=pmix).</summary>
    private (int Parent, Dictionary<int, int> PidOfRank) ManagerWith(string variable, params int?[] ranks)
    {
        string script = string.Join(" ", ranks.Select(r => r is int rank ? $"{variable}={rank} sleep 300 &" : "sleep 300 &")) + " wait";
        ProcessStartInfo start = MarkedProcess.StartInfo("/bin/sh", ["-c", script], _marker);
        MarkedProcess.RemoveInherited(start, "PMI_", "PMIX_");
        Process shell = Process.Start(start)!;
        _shells.Add(shell);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            List<(int Pid, string? Rank)> children = ChildrenOf(shell.Id, variable);
            if (children.Count == ranks.Length)
            {
                var pids = new Dictionary<int, int>();
                foreach ((int pid, string? rank) in children)
                    if (rank is not null) pids[int.Parse(rank, System.Globalization.CultureInfo.InvariantCulture)] = pid;
                return (shell.Id, pids);
            }
            Assert.True(clock.Elapsed < Limit, $"the shell's {ranks.Length} sleeps did not all start within {Limit.TotalSeconds} s: {children.Count}");
            Thread.Sleep(20);
        }
    }

    /// <summary>The running sleeps whose parent is <paramref name="parent"/>, with their rank (<paramref name="variable"/>).</summary>
    private static List<(int Pid, string? Rank)> ChildrenOf(int parent, string variable)
    {
        var found = new List<(int, string?)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                string[] rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (!stat.Contains("(sleep)", StringComparison.Ordinal) || rest[1] != parent.ToString(System.Globalization.CultureInfo.InvariantCulture)) continue;
                string? rank = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0')
                    .FirstOrDefault(e => e.StartsWith(variable + "=", StringComparison.Ordinal))?[(variable.Length + 1)..];
                found.Add((pid, rank));
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    private static string Eventually(Func<string?> check, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (check() is { } found) return found;
            Assert.True(clock.Elapsed < within, $"nothing was reported within {within.TotalSeconds} s");
            Thread.Sleep(50);
        }
    }

    /// <summary>The report of a task killed with SIGKILL: the shell reaps it at once, but a check that
    /// runs before it does sees the zombie and names the signal too (CI saw both).</summary>
    private static string KilledTask(int rank, int pid) => $@"^rank {rank} \(pid {pid}\)( killed by signal 9)? of this node exited";

    [Fact]
    public void ATaskKilledAfterItWasSeenIsNamedWithItsRankAndPid()
    {
        (int parent, Dictionary<int, int> pids) = Manager(0, 1, 2);
        var tasks = new NodeTasks(parent, 3, [0, 1, 2], startedTogether: true);
        Assert.Null(tasks.Check());
        Assert.Null(tasks.Check());
        Process.GetProcessById(pids[1]).Kill();
        string found = Eventually(tasks.Check, Limit);
        Assert.Matches(KilledTask(1, pids[1]), found);
    }

    [Fact]
    public void TasksWithPmixRankAreTasks()
    {
        // srun --mpi=pmix sets PMIX_RANK and no PMI_RANK: its tasks, all alive, are no missing ones.
        (int parent, Dictionary<int, int> pids) = ManagerWith("PMIX_RANK", 0, 1, 2);
        var tasks = new NodeTasks(parent, 3, [0, 1, 2], startedTogether: true);
        Assert.Null(tasks.Check());
        Assert.Null(tasks.Check());
        Process.GetProcessById(pids[2]).Kill();
        string found = Eventually(tasks.Check, Limit);
        Assert.Matches(KilledTask(2, pids[2]), found);
    }

    [Fact]
    public void WhereTasksStartTogetherOneMissingFromTheStartIsNamedAtOnce()
    {
        // Ranks 0 and 2 run; rank 1's sleep never started; the third child has no PMI_RANK: no task.
        (int parent, _) = Manager(0, 2, null);
        string? found = new NodeTasks(parent, 3, [0, 1, 2], startedTogether: true).Check();
        Assert.NotNull(found);
        Assert.Contains("rank 1 of this node exited", found);
        Assert.Contains("started 3 tasks here; 2 left", found);
    }

    [Fact]
    public void WhereTasksStartOneAfterTheOtherAMissingOneCountsOnlyAfterTheGrace()
    {
        (int parent, _) = Manager(0, 1);
        var tasks = new NodeTasks(parent, 3, [], startedTogether: false);
        var clock = Stopwatch.StartNew();
        Assert.Null(tasks.Check()); // the third may still be starting
        string found = Eventually(tasks.Check, NodeTasks.LateStart + Limit);
        Assert.True(clock.Elapsed >= NodeTasks.LateStart - TimeSpan.FromMilliseconds(100), $"reported after {clock.Elapsed.TotalSeconds:F1} s, before the grace");
        Assert.Contains("a task of this node exited", found);
    }

    /// <summary>A process manager that has not reaped the task yet (Hydra's proxy reaps late; here a
    /// parent that never does): the zombie's status names how it ended, and is the code to abort with.</summary>
    [Theory]
    [InlineData("exit 3", " with code 3", 3)]
    [InlineData("kill -9 $$", " killed by signal 9", 137)]
    public void AnUnreapedTaskIsNamedWithHowItEnded(string end, string how, int code)
    {
        ProcessStartInfo start = MarkedProcess.StartInfo("/bin/sh", ["-c", $"PMI_RANK=0 sleep 300 & PMI_RANK=1 sh -c '{end}' & exec tail -f /dev/null"], _marker);
        MarkedProcess.RemoveInherited(start, "PMI_");
        Process parent = Process.Start(start)!;
        _shells.Add(parent);
        var tasks = new NodeTasks(parent.Id, 2, [0, 1], startedTogether: true);
        var clock = Stopwatch.StartNew();
        string? found;
        // Until the shell has become tail and both children are there (one running, one a zombie).
        while ((found = tasks.Check()) is null || !found.Contains(how, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < Limit, $"no report of the zombie within {Limit.TotalSeconds} s; last: {found}");
            Thread.Sleep(50);
            tasks = new NodeTasks(parent.Id, 2, [0, 1], startedTogether: true);
        }
        Assert.Matches($@"^rank 1 \(pid \d+\){how} of this node exited", found);
        Assert.Equal(code, tasks.ExitCode);
    }

    [Fact]
    public void AllTasksAliveIsNoFailure()
    {
        (int parent, _) = Manager(0, 1, 2);
        var tasks = new NodeTasks(parent, 3, [0, 1, 2], startedTogether: true);
        for (int i = 0; i < 5; i++) Assert.Null(tasks.Check());
    }

    [Fact]
    public void AProcessNotStartedByAKnownProcessManagerIsNotWatched()
    {
        // The test host's parent is dotnet (or a shell), neither slurmstepd nor hydra_pmi_proxy.
        Assert.Null(NodeTasks.OfThisNode(name => name switch { "SLURM_GTIDS" => "0,1", "MPI_LOCALNRANKS" => "2", _ => null }));
    }

    [Fact]
    public void TheWatchStopsThePmiWaitAndAbortsWhenInitDoesNotEndMeanwhile()
    {
        (int parent, Dictionary<int, int> pids) = Manager(4, 5);
        var wait = new PmiWait(TimeSpan.FromSeconds(60));
        int aborted = 0;
        using var watch = new LocalTaskWatch(new NodeTasks(parent, 2, [4, 5], startedTogether: true), wait, 4, code => aborted = code);
        Thread.Sleep(300);
        Assert.Null(wait.StopReason);
        Process.GetProcessById(pids[5]).Kill();
        string reason = Eventually(() => wait.StopReason, Limit);
        Assert.StartsWith("rank 4: rank 5 (pid ", reason);
        Assert.Contains("Init cannot complete", reason);
        Assert.Equal(reason, watch.Failure);
        Eventually(() => Volatile.Read(ref aborted) != 0 ? "aborted" : null, LocalTaskWatch.AbortGrace + Limit);
        Assert.Equal(1, aborted);
    }

    [Fact]
    public void AWatchDisposedWithinTheGraceDoesNotAbort()
    {
        (int parent, Dictionary<int, int> pids) = Manager(0, 1);
        var wait = new PmiWait(TimeSpan.FromSeconds(60));
        int aborted = 0;
        var watch = new LocalTaskWatch(new NodeTasks(parent, 2, [0, 1], startedTogether: true), wait, 0, code => aborted = code);
        Process.GetProcessById(pids[1]).Kill();
        Eventually(() => wait.StopReason, Limit);
        watch.Dispose(); // as Init's failure path does before its own abort
        Thread.Sleep(LocalTaskWatch.AbortGrace + TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, Volatile.Read(ref aborted));
    }
}
