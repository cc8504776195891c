namespace HpcRun;

internal enum BindMode
{
    None,
    Core,
}

/// <summary>A launch request that has passed every check: the job runner trusts it as it is.</summary>
internal sealed record LauncherOptions(
    int Np,
    int Slots,
    bool Oversubscribe,
    bool TagOutput,
    IReadOnlyList<KeyValuePair<string, string>> ForwardedEnvironment,
    double? TimeoutSeconds,
    BindMode BindTo,
    string Target,
    IReadOnlyList<string> AppArguments)
{
    /// <summary>More ranks than cores: the library must give cores away while it waits.</summary>
    public bool IsOversubscribed => Np > Slots;
}
