using System.Globalization;

namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// The tasks that a process manager started on this node, seen through /proc as the children of the
/// process that started this one (slurmstepd, Hydra's hydra_pmi_proxy), before the job's ranks know
/// anything of each other: what <see cref="LocalTaskWatch"/> checks while Init waits in a fence.
/// <para>A child is one of the job's tasks when its environment (read once) has PMI_RANK (PMI-1/2) or
/// PMIX_RANK (srun --mpi=pmix); one whose
/// command is still the parent's (forked, not yet executed) or whose environment cannot be read counts
/// as a task too, so that nothing alive is ever taken for dead. A task is gone when a child once seen
/// has exited (no longer in /proc, or a zombie), or when fewer children are alive than the process
/// manager started: at once where it forks every task of the node before any of them runs
/// (startedTogether: slurmstepd holds each forked task until all are forked), else
/// only after <see cref="LateStart"/> (Hydra forks them one after the other).</para>
/// </summary>
internal sealed class NodeTasks
{
    /// <summary>How long a task may be missing, where tasks start one after the other, before it counts as gone.</summary>
    public static readonly TimeSpan LateStart = TimeSpan.FromSeconds(3);

    private readonly int _parent;
    private readonly string _parentComm;
    private readonly int _expected;
    private readonly int[] _expectedRanks;
    private readonly bool _startedTogether;
    private readonly Dictionary<int, int> _tasks = [];   // pid -> rank of every task seen
    private readonly HashSet<int> _others = [];          // children that are no task of the job
    private readonly Dictionary<int, int> _zombies = []; // pid -> wait status of children exited but not yet reaped
    private readonly long _start = Environment.TickCount64;

    /// <param name="parent">The process that started the node's tasks.</param>
    /// <param name="expected">How many tasks it started on this node (this one included where it is one).</param>
    /// <param name="expectedRanks">Their ranks, when the process manager says (for messages); else empty.</param>
    /// <param name="startedTogether">Every task was forked before any of them ran.</param>
    public NodeTasks(int parent, int expected, int[] expectedRanks, bool startedTogether)
    {
        _parent = parent;
        _parentComm = Stat(parent)?.Comm ?? "";
        _expected = expected;
        _expectedRanks = expectedRanks;
        _startedTogether = startedTogether;
    }

    /// <summary>The gone task's exit code as a shell gives it (128 + N for signal N), when the process
    /// manager had not yet reaped it as it was found; else null.</summary>
    public int? ExitCode { get; private set; }

    /// <summary>Null while every task of the node is alive; else what happened, naming the task.</summary>
    public string? Check()
    {
        if (_tasks.Count >= _expected)
        {
            // Every task is known: look at those alone, not at the whole of /proc.
            foreach ((int pid, int rank) in _tasks)
            {
                ProcStat? s = Stat(pid);
                if (s is { State: 'Z', Status: int status } && s.Value.Parent == _parent) _zombies[pid] = status;
                if (s is null || s.Value.Parent != _parent || IsDead(s.Value.State)) return Gone(rank, pid);
            }
            return null;
        }
        _zombies.Clear();
        var alive = new HashSet<int>();
        int unknown = 0;
        foreach (int pid in Children())
        {
            alive.Add(pid);
            if (_tasks.ContainsKey(pid) || _others.Contains(pid)) continue;
            switch (Classify(pid, out int rank))
            {
                case Kind.Task: _tasks[pid] = rank; break;
                case Kind.Other: _others.Add(pid); break;
                default: unknown++; break;
            }
        }
        foreach ((int pid, int rank) in _tasks)
            if (!alive.Contains(pid)) return Gone(rank, pid);
        int count = _tasks.Count + unknown;
        if (count < _expected && (_startedTogether || Environment.TickCount64 - _start >= (long)LateStart.TotalMilliseconds))
        {
            int[] missing = [.. _expectedRanks.Where(r => !_tasks.ContainsValue(r))];
            string who = missing.Length == _expected - count
                ? (missing.Length == 1 ? Who(missing[0]) : $"ranks {string.Join(", ", missing)}")
                : _expected - count == 1 ? "a task" : $"{_expected - count} tasks";
            // One exited child not yet reaped, no other: that is the one, and its status is known.
            int[] exited = [.. _zombies.Keys.Where(pid => !_others.Contains(pid))];
            string how = _expected - count == 1 && exited.Length == 1 ? $" (pid {Text(exited[0])}){How(exited[0])}" : "";
            return $"{who}{how} of this node exited before every rank had joined the job (the process manager started {_expected} tasks here; {count} left)";
        }
        return null;
    }

    private string Gone(int rank, int pid) =>
        $"{Who(rank)} (pid {Text(pid)}){How(pid)} of this node exited before every rank had joined the job (the process manager started {_expected} tasks here)";

    /// <summary>" killed by signal N" or " with code N" where the exited task's status is known (it is
    /// a zombie: its process manager has not reaped it yet), and <see cref="ExitCode"/> set; else "".</summary>
    private string How(int pid)
    {
        if (!_zombies.TryGetValue(pid, out int status)) return "";
        int signal = status & 0x7f;
        ExitCode = signal != 0 ? 128 + signal : (status >> 8) & 0xff;
        return signal != 0 ? $" killed by signal {Text(signal)}" : $" with code {Text(ExitCode.Value)}";
    }

    private static string Text(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static bool IsDead(char state) => state is 'Z' or 'X' or 'x';

    private static string Who(int rank) => rank >= 0 ? $"rank {Text(rank)}" : "a task";

    private enum Kind { Task, Other, Unknown }

    private Kind Classify(int pid, out int rank)
    {
        rank = -1;
        if (Stat(pid) is not { } stat) return Kind.Unknown;
        if (stat.Comm == _parentComm) return Kind.Unknown; // forked, not yet executed
        string environ;
        try { environ = File.ReadAllText($"/proc/{pid}/environ"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Kind.Unknown; }
        foreach (string entry in environ.Split('\0'))
        {
            // PMI_RANK under PMI-1/2; PMIX_RANK under srun --mpi=pmix, whose tasks have no PMI_RANK.
            int length = entry.StartsWith("PMI_RANK=", StringComparison.Ordinal) ? "PMI_RANK=".Length
                : entry.StartsWith("PMIX_RANK=", StringComparison.Ordinal) ? "PMIX_RANK=".Length : 0;
            if (length == 0) continue;
            if (!int.TryParse(entry.AsSpan(length), NumberStyles.None, CultureInfo.InvariantCulture, out rank)) rank = -1;
            return Kind.Task;
        }
        return Kind.Other;
    }

    /// <summary>The pids of the parent's living children (zombies are dead).</summary>
    private IEnumerable<int> Children()
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir.AsSpan()), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (Stat(pid) is not { } s || s.Parent != _parent) continue;
            if (!IsDead(s.State)) yield return pid;
            else if (s.Status is int status) _zombies[pid] = status;
        }
    }

    /// <summary>Status: a zombie's wait status (field 52, exit_code, Linux 3.5 on), else null.</summary>
    private readonly record struct ProcStat(string Comm, char State, int Parent, int? Status);

    /// <summary>/proc/PID/stat: "pid (comm) state ppid ..."; the command may hold spaces and parentheses.</summary>
    private static ProcStat? Stat(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        int open = text.IndexOf('('), close = text.LastIndexOf(')');
        if (open < 0 || close < open || close + 4 > text.Length) return null;
        string[] rest = text[(close + 2)..].TrimEnd().Split(' ');
        if (rest.Length < 2 || rest[0].Length != 1 || !int.TryParse(rest[1], NumberStyles.None, CultureInfo.InvariantCulture, out int ppid)) return null;
        // Fields count from 1 with the pid; rest[0] is field 3 (state), so field 52 is rest[49].
        int? status = rest[0][0] == 'Z' && rest.Length > 49 && int.TryParse(rest[49], NumberStyles.None, CultureInfo.InvariantCulture, out int st) ? st : null;
        return new ProcStat(text[(open + 1)..close], rest[0][0], ppid, status);
    }

    /// <summary>The node's tasks as the process manager that started this process describes them, or
    /// null where it is not one this knows (then only <see cref="PmiWait"/>'s bound applies): the
    /// process was started through a wrapper (a shell script, time), or by an unknown launcher.</summary>
    public static NodeTasks? OfThisNode(Func<string, string?> env)
    {
        int parent = Internal.Native.getppid();
        string? comm = Stat(parent)?.Comm;
        if (comm == "slurmstepd")
        {
            // SLURM_GTIDS: the global task ids (= PMI ranks) of this step on this node.
            int[]? ranks = Ranks(env("SLURM_GTIDS"));
            return ranks is { Length: > 1 } ? new NodeTasks(parent, ranks.Length, ranks, startedTogether: true) : null;
        }
        if (comm == "hydra_pmi_proxy")
        {
            int n = int.TryParse(env("MPI_LOCALNRANKS"), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : 0;
            return n > 1 ? new NodeTasks(parent, n, [], startedTogether: false) : null;
        }
        return null;
    }

    private static int[]? Ranks(string? list)
    {
        if (string.IsNullOrEmpty(list)) return null;
        var ranks = new List<int>();
        foreach (string part in list.Split(','))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int r)) return null;
            ranks.Add(r);
        }
        return [.. ranks];
    }
}
