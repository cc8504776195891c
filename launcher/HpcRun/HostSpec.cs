namespace HpcRun;

/// <summary>One host the user named (in a hostfile or with --host) and how many ranks it takes before
/// the hosts are oversubscribed.</summary>
internal sealed record HostSpec(string Name, int Slots);
