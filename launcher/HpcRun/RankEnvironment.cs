using System.Globalization;
using HpcMsg.Bootstrap;

namespace HpcRun;

/// <summary>What one rank finds in its environment: the -x variables, then the job's own (which win).</summary>
internal static class RankEnvironment
{
    /// <summary>A null value removes the variable, so that one inherited from an enclosing job cannot leak in.</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> For(int rank, LauncherOptions options, JobPlan plan)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(plan);
        JobNode node = plan.NodeOf(rank);
        NetworkSettings? net = plan.Network;
        bool local = node.IsLocal;
        var vars = new List<KeyValuePair<string, string?>>();
        foreach (var (name, value) in options.ForwardedEnvironment) vars.Add(new(name, value));
        vars.Add(new(JobEnvironment.RankVar, Text(rank)));
        vars.Add(new(JobEnvironment.SizeVar, Text(plan.Size)));
        vars.Add(new(JobEnvironment.JobIdVar, plan.JobId));
        vars.Add(new(JobEnvironment.ShmPathVar, plan.SegmentPath(node)));
        // A pid means nothing on another host.
        vars.Add(new(JobEnvironment.LauncherPidVar, local ? Text(plan.LauncherPid) : null));
        vars.Add(new(JobEnvironment.OversubscribedVar, node.Oversubscribed ? "1" : null));
        vars.Add(new(JobEnvironment.LocalRankVar, Text(rank - node.FirstRank)));
        vars.Add(new(JobEnvironment.LocalSizeVar, Text(node.RankCount)));
        vars.Add(new(JobEnvironment.NodeVar, Text(node.Index)));
        vars.Add(new(JobEnvironment.NodesVar, Text(plan.Nodes.Count)));
        vars.Add(new(JobEnvironment.HostVar, node.Host));
        vars.Add(new(JobEnvironment.RendezvousVar, net?.Rendezvous.ToString()));
        // The secret never goes on a command line: a rank started through an agent reads it from stdin.
        vars.Add(new(JobEnvironment.SecretVar, net is not null && local ? net.SecretHex : null));
        vars.Add(new(JobEnvironment.SecretStdinVar, net is not null && !local ? "1" : null));
        vars.Add(new(NodeVariables.IfaceAddressVar, net is not null && local ? net.LocalAddress.ToString() : null));
        vars.Add(new(JobEnvironment.IfaceVar, net is not null && !local ? net.Iface : null));
        return vars;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
