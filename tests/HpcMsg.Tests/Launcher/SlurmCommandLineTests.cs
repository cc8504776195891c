using System.Net;
using HpcRun;

namespace HpcMsg.Tests.Launcher;

/// <summary>hpcrun's command line inside a Slurm allocation: the hosts, slots and -n come from the
/// allocation's variables unless --hostfile or --host names hosts; bad variables are clear errors.</summary>
public sealed class SlurmCommandLineTests
{
    private const int Cores = 2;

    private static ParseOutcome Parse(Dictionary<string, string> env, params string[] args) =>
        LauncherCommandLine.Parse(args, Cores, name => env.GetValueOrDefault(name), name => "hpcA slots=2\n");

    private static LauncherOptions Launch(Dictionary<string, string> env, params string[] args) =>
        Assert.IsType<LaunchRequested>(Parse(env, args)).Options;

    private static string Error(Dictionary<string, string> env, params string[] args) =>
        Assert.IsType<UsageError>(Parse(env, args)).Message;

    private static Dictionary<string, string> Allocation(string nodes, string? perNode, string? ntasks = null)
    {
        var env = new Dictionary<string, string> { ["SLURM_JOB_ID"] = "42", ["SLURM_JOB_NODELIST"] = nodes };
        if (perNode is not null) env["SLURM_TASKS_PER_NODE"] = perNode;
        if (ntasks is not null) env["SLURM_NTASKS"] = ntasks;
        return env;
    }

    [Fact]
    public void WithoutNpTheRanksAreTheAllocationsTasks()
    {
        LauncherOptions o = Launch(Allocation("node[01-03],gpu3", "2(x3),1", ntasks: "7"), "app.dll");
        Assert.Equal(7, o.Np);
        Assert.Equal(7, o.Slots);
        Assert.True(o.InSlurmAllocation);
        Assert.Equal("42", o.Slurm!.JobId);
        Assert.Equal(
            [new NodePlacement("node01", 2, 0, 2), new NodePlacement("node02", 2, 2, 2), new NodePlacement("node03", 2, 4, 2), new NodePlacement("gpu3", 1, 6, 1)],
            o.Placement);
    }

    [Fact]
    public void WithoutNtasksTheRanksAreTheSlots()
    {
        // salloc -N 3 without -n: SLURM_TASKS_PER_NODE=1(x3) and no SLURM_NTASKS.
        LauncherOptions o = Launch(Allocation("n[1-3]", "1(x3)"), "app.dll");
        Assert.Equal(3, o.Np);
        Assert.Equal(["n1", "n2", "n3"], o.Placement!.Select(p => p.Host));
    }

    [Fact]
    public void NpFillsTheNodesInOrder()
    {
        LauncherOptions o = Launch(Allocation("n[1-3]", "2(x3)", ntasks: "6"), "-n", "3", "app.dll");
        Assert.Equal([new NodePlacement("n1", 2, 0, 2), new NodePlacement("n2", 2, 2, 1)], o.Placement);
    }

    [Fact]
    public void MoreRanksThanTheAllocationHasNeedOversubscribe()
    {
        string e = Error(Allocation("n[1-2]", "1(x2)"), "-n", "3", "app.dll");
        Assert.Contains("the Slurm allocation, SLURM_TASKS_PER_NODE=1(x2)", e, StringComparison.Ordinal);
        Assert.Contains("--oversubscribe", e, StringComparison.Ordinal);
        Assert.Equal(3, Launch(Allocation("n[1-2]", "1(x2)"), "-n", "3", "--oversubscribe", "app.dll").Np);
    }

    [Fact]
    public void NamedHostsWinOverTheAllocation()
    {
        LauncherOptions o = Launch(Allocation("n[1-3]", "1(x3)"), "-n", "2", "--host", "a:1,b:1", "app.dll");
        Assert.False(o.InSlurmAllocation);
        Assert.Equal(["a", "b"], o.Placement!.Select(p => p.Host));
        Assert.False(Launch(Allocation("n[1-3]", "1(x3)"), "-n", "2", "--hostfile", "hosts", "app.dll").InSlurmAllocation);
    }

    [Fact]
    public void OutsideAnAllocationNpIsRequired()
    {
        Assert.Contains("the number of ranks is missing", Error([], "app.dll"), StringComparison.Ordinal);
        // A node list without a job id (a stale variable) is not an allocation.
        Assert.Contains("the number of ranks is missing", Error(new() { ["SLURM_JOB_NODELIST"] = "n1" }, "app.dll"), StringComparison.Ordinal);
        Assert.Null(Launch([], "-n", "2", "app.dll").Placement);
    }

    [Theory]
    [InlineData("n[1-3", "1(x3)", null, "SLURM_JOB_NODELIST='n[1-3': '[' without ']'")]
    [InlineData("n[1-3]", "1(x2)", null, "SLURM_TASKS_PER_NODE='1(x2)' gives 2 node(s) but SLURM_JOB_NODELIST='n[1-3]' has 3")]
    [InlineData("n[1-3]", "1(y3)", null, "SLURM_TASKS_PER_NODE='1(y3)': '1(y3)' is not N or N(xR)")]
    [InlineData("n[1-2]", "1(x2)", "lots", "SLURM_NTASKS='lots' is not a whole number")]
    [InlineData("n1,n1", "1(x2)", null, "node 'n1' is listed twice")]
    public void BadAllocationVariablesAreNamedWithTheirText(string nodes, string perNode, string? ntasks, string expected)
    {
        string e = Error(Allocation(nodes, perNode, ntasks), "app.dll");
        Assert.StartsWith("inside the Slurm allocation: ", e, StringComparison.Ordinal);
        Assert.Contains(expected, e, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryNodeOfAnAllocationIsStartedThroughSlurmThisOneToo()
    {
        LauncherOptions o = Launch(Allocation($"{Environment.MachineName},n2", "1(x2)"), "app.dll");
        IReadOnlyList<JobNode> nodes = JobPlan.NodesFor(o, new HostLocality(Environment.MachineName, [IPAddress.Loopback]), Cores);
        Assert.All(nodes, n => Assert.False(n.IsLocal));
        Assert.True(JobPlan.NeedsNetwork(nodes));
    }

    [Fact]
    public void TheStepIsOneSrunWithOneAgentPerNode()
    {
        var nodes = new List<JobNode> { new(0, "n1", false, 0, 2, false), new(1, "n2", false, 2, 1, false) };
        List<string> args = SlurmStep.SrunArguments("42", nodes, ["/usr/bin/dotnet", "/x/HpcRun.dll", SlurmNodeAgent.Flag]);
        Assert.Contains("--overlap", args);
        Assert.Contains("--jobid=42", args);
        Assert.Contains("--ntasks-per-node=1", args);
        Assert.Contains("--nodelist=n1,n2", args);
        Assert.Contains("--mpi=none", args);
        Assert.Equal("2", args[args.IndexOf("-N") + 1]);
        Assert.Equal("2", args[args.IndexOf("-n") + 1]);
        Assert.Equal(["/usr/bin/dotnet", "/x/HpcRun.dll", SlurmNodeAgent.Flag], args[^3..]);
    }

    [Fact]
    public void TheAgentPlanSurvivesTheTripThroughTheEnvironment()
    {
        var nodes = new List<JobNode> { new(0, "n1", false, 0, 2, false), new(1, "gpu 3", false, 2, 3, true) };
        var plan = new SlurmAgentPlan("job-1", IPEndPoint.Parse("10.233.0.1:4242"), "10.233.0.0/24", true,
            new LaunchCommand("/usr/bin/dotnet", ["app.dll", "a b", "", "ü;="]), [new("X", "1 2"), new("EMPTY", "")], nodes);
        SlurmAgentPlan back = SlurmAgentPlan.Decode(plan.Encode());
        Assert.Equal(plan.JobId, back.JobId);
        Assert.Equal(plan.Rendezvous, back.Rendezvous);
        Assert.Equal(plan.Iface, back.Iface);
        Assert.True(back.TagOutput);
        Assert.Equal(plan.Command.FileName, back.Command.FileName);
        Assert.Equal(plan.Command.Arguments, back.Command.Arguments);
        Assert.Equal(plan.Forwarded, back.Forwarded);
        Assert.Equal(nodes, back.Nodes);
        Assert.Equal(5, back.Size);
        Assert.Equal(1, back.NodeNamed("GPU 3")!.Index);
        Assert.Equal(0, back.NodeNamed("n1.cluster.example")!.Index);
        Assert.Null(back.NodeNamed("n9"));
        Assert.Throws<FormatException>(() => SlurmAgentPlan.Decode("something else"));
    }

    [Fact]
    public void AgentReportsAreToldApartFromOutput()
    {
        Assert.Equal(new SlurmAgentReport.Exited(3, 137), SlurmAgentReport.Parse(System.Text.Encoding.ASCII.GetString(SlurmAgentReport.Exit(3, 137)).TrimEnd('\n')));
        Assert.Equal(new SlurmAgentReport.Exited(0, -1), SlurmAgentReport.Parse("\u001ehpcmsg-agent exit 0 -1"));
        Assert.Equal(new SlurmAgentReport.InStep("12.3"), SlurmAgentReport.Parse("\u001ehpcmsg-agent step 12.3"));
        Assert.Null(SlurmAgentReport.Parse("hpcmsg-agent exit 0 1"));
        Assert.Null(SlurmAgentReport.Parse("rank 0: exit 1"));
        Assert.Null(SlurmAgentReport.Parse("\u001ehpcmsg-agent exit x 1"));
    }
}
