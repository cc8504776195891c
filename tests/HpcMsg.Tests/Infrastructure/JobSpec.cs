namespace HpcMsg.Tests.Infrastructure;

/// <summary>One hpcrun job of the test app: <c>hpcrun -n Np [LauncherArgs] HpcMsg.TestApp.dll Scenario [ScenarioArgs]</c>
/// (or, with <see cref="Program"/>, <c>hpcrun -n Np [LauncherArgs] Program Scenario [ScenarioArgs]</c>).</summary>
public sealed record JobSpec(int Np, string Scenario, params string[] ScenarioArgs)
{
    /// <summary>Another program to run instead of the test app (e.g. /bin/sh); Scenario is then its first argument.</summary>
    public string? Program { get; init; }

    /// <summary>Another launcher executable to run instead of <c>dotnet HpcRun.dll</c> (e.g. the hpcrun of the installed dotnet tool).</summary>
    public string? Launcher { get; init; }

    /// <summary>Variables set (or, with a null value, removed) in the launcher's environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Run the test app directly, without hpcrun: a lone process is a job of size 1 (Np must be 1).</summary>
    public bool WithoutLauncher { get; init; }

    /// <summary>Extra hpcrun options, e.g. <c>["-x", "HPCMSG_SHM_CMA=0"]</c>.</summary>
    public IReadOnlyList<string> LauncherArgs { get; init; } = [];

    /// <summary>Pass --oversubscribe; by default when there are more ranks than cores.</summary>
    public bool Oversubscribe { get; init; } = Np > System.Environment.ProcessorCount;

    /// <summary>hpcrun's own --timeout, in seconds (null: none).</summary>
    public int? LauncherTimeoutSeconds { get; init; } = 120;

    /// <summary>The harness's limit: past it the whole process tree is killed and the test fails.</summary>
    public TimeSpan HardTimeout { get; init; } = TimeSpan.FromSeconds(180);

    public override string ToString() =>
        $"np={Np} {Scenario} {string.Join(' ', ScenarioArgs)} {string.Join(' ', LauncherArgs)}".Trim();
}
