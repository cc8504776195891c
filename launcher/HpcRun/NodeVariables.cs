using HpcMsg.Bootstrap;

namespace HpcRun;

/// <summary>
/// The variables, beyond a one-host job's, that tell a rank where it runs and how to reach the rest of a
/// job that spans hosts. One-host jobs set the node variables too (node 0 of 1) and clear the others.
/// </summary>
internal static class NodeVariables
{
    /// <summary>The IPv4 address a rank listens on, when hpcrun knows it (ranks it starts itself).</summary>
    public const string IfaceAddressVar = JobEnvironment.IfaceAddressVar;

    public static readonly string[] All =
    [
        JobEnvironment.LocalRankVar, JobEnvironment.LocalSizeVar, JobEnvironment.NodeVar, JobEnvironment.NodesVar,
        JobEnvironment.HostVar, JobEnvironment.RendezvousVar, JobEnvironment.SecretVar, JobEnvironment.SecretStdinVar,
        IfaceAddressVar, JobEnvironment.IfaceVar,
    ];
}
