namespace HpcRun;

internal enum BindMode
{
    None,
    Core,
}

/// <summary>A launch request that has passed every check: the job runner trusts it as it is.
/// <paramref name="Placement"/> is null when no host was named (a job on this host, <paramref name="Slots"/>
/// its cores); otherwise <paramref name="Slots"/> is the hosts' total.</summary>
internal sealed record LauncherOptions(
    int Np,
    int Slots,
    bool Oversubscribe,
    bool TagOutput,
    IReadOnlyList<KeyValuePair<string, string>> ForwardedEnvironment,
    double? TimeoutSeconds,
    BindMode BindTo,
    string Target,
    IReadOnlyList<string> AppArguments,
    IReadOnlyList<NodePlacement>? Placement = null,
    LaunchAgent? Agent = null,
    string? Iface = null,
    SlurmAllocation? Slurm = null)
{
    /// <summary>True when the hosts came from the Slurm allocation: every host's ranks start through one
    /// srun step (<see cref="SlurmStep"/>), not through the launch agent.</summary>
    public bool InSlurmAllocation => Slurm is not null;

    /// <summary>The agent that starts ranks on other hosts (ssh unless --launch-agent said otherwise).</summary>
    public LaunchAgent LaunchAgent => Agent ?? HpcRun.LaunchAgent.Parse(HpcRun.LaunchAgent.Default);

    /// <summary>More ranks than cores: the library must give cores away while it waits.</summary>
    public bool IsOversubscribed => Np > Slots;
}
