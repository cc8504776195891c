using HpcMsg.Tests.Network;

namespace HpcMsg.Tests.Slurm;

/// <summary>
/// Whether the tests under Slurm can run here: HPCMSG_SLURM_CONF names the slurm.conf of a running
/// cluster (.ci/slurm-up starts one and .ci/run sets the variable), srun is installed and the
/// controller answers. Probed once. With HPCMSG_SLURM_REQUIRED=1 a missing cluster fails the tests
/// instead of skipping them, as <see cref="NetnsSupport"/> does for the namespaces.
/// The cluster's node count decides what can run on it: <c>.ci/slurm-up single</c> gives one node,
/// <c>.ci/slurm-up multi 3</c> three (n1..n3); a test that needs more nodes than there are is skipped,
/// saying so (<see cref="SlurmFactAttribute.Nodes"/>), whether the run requires Slurm or not.
/// </summary>
internal static class SlurmSupport
{
    public const string ConfVariable = "HPCMSG_SLURM_CONF";
    public const string RequiredVariable = "HPCMSG_SLURM_REQUIRED";

    private static readonly Lazy<(string? Missing, string[] Nodes)> Probed = new(Probe);

    /// <summary>Why the tests cannot run here, or null when they can.</summary>
    public static string? WhyUnavailable => Probed.Value.Missing;

    /// <summary>The cluster's nodes, in Slurm's order (empty when there is no cluster).</summary>
    public static IReadOnlyList<string> NodeNames => Probed.Value.Nodes;

    /// <summary>Why a test that needs <paramref name="nodes"/> nodes cannot run on this cluster (it has
    /// fewer), or null when it can, or when there is no cluster at all (that is <see cref="WhyUnavailable"/>'s
    /// business: skipped, or failed when required).</summary>
    public static string? WhyTooFewNodes(int nodes)
    {
        if (nodes <= 1 || WhyUnavailable is not null) return null;
        int have = NodeNames.Count;
        return have >= nodes
            ? null
            : $"skipped: needs a Slurm cluster of {nodes} nodes, and the one of {ConfVariable}={Environment.GetEnvironmentVariable(ConfVariable)} has {have} " +
              $"({string.Join(',', NodeNames)}); .ci/run runs it on `SLOTS=8 .ci/slurm-up multi 3`";
    }

    public static bool Required => Environment.GetEnvironmentVariable(RequiredVariable) == "1";

    /// <summary>The cluster's slurm.conf; throws with the reason when there is none (a required run).</summary>
    public static string Conf =>
        WhyUnavailable is string why
            ? throw new InvalidOperationException($"no Slurm cluster to run on: {why}")
            : Environment.GetEnvironmentVariable(ConfVariable)!;

    private static (string?, string[]) Probe()
    {
        string? conf = Environment.GetEnvironmentVariable(ConfVariable);
        if (string.IsNullOrEmpty(conf))
            return ($"{ConfVariable} is not set (start one with `SLOTS=8 .ci/slurm-up multi 3` as root, then export {ConfVariable}=/tmp/hpcmsg-slurm/etc/slurm.conf)", []);
        if (!File.Exists(conf)) return ($"{ConfVariable}={conf} does not exist", []);
        Command.Result sinfo = SlurmCommand.Client("sinfo", ["-h", "-N", "-o", "%N"], TimeSpan.FromSeconds(15));
        if (sinfo.ExitCode != 0)
            return ($"sinfo with SLURM_CONF={conf} failed: {sinfo.Stderr.Trim()}{sinfo.Stdout.Trim()}", []);
        string[] nodes = [.. sinfo.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct()];
        return nodes.Length == 0 ? ($"sinfo with SLURM_CONF={conf} lists no node", []) : (null, nodes);
    }
}
