using HpcMsg.Tests.Network;

namespace HpcMsg.Tests.Slurm;

/// <summary>
/// Whether the tests under Slurm can run here: HPCMSG_SLURM_CONF names the slurm.conf of a running
/// cluster (.ci/slurm-up starts one and .ci/run sets the variable), srun is installed and the
/// controller answers. Probed once. With HPCMSG_SLURM_REQUIRED=1 a missing cluster fails the tests
/// instead of skipping them, as <see cref="NetnsSupport"/> does for the namespaces.
/// </summary>
internal static class SlurmSupport
{
    public const string ConfVariable = "HPCMSG_SLURM_CONF";
    public const string RequiredVariable = "HPCMSG_SLURM_REQUIRED";

    private static readonly Lazy<string?> Missing = new(Probe);

    /// <summary>Why the tests cannot run here, or null when they can.</summary>
    public static string? WhyUnavailable => Missing.Value;

    public static bool Required => Environment.GetEnvironmentVariable(RequiredVariable) == "1";

    /// <summary>The cluster's slurm.conf; throws with the reason when there is none (a required run).</summary>
    public static string Conf =>
        WhyUnavailable is string why
            ? throw new InvalidOperationException($"no Slurm cluster to run on: {why}")
            : Environment.GetEnvironmentVariable(ConfVariable)!;

    private static string? Probe()
    {
        string? conf = Environment.GetEnvironmentVariable(ConfVariable);
        if (string.IsNullOrEmpty(conf))
            return $"{ConfVariable} is not set (start one with `SLOTS=8 .ci/slurm-up multi 3` as root, then export {ConfVariable}=/tmp/hpcmsg-slurm/etc/slurm.conf)";
        if (!File.Exists(conf)) return $"{ConfVariable}={conf} does not exist";
        Command.Result sinfo = SlurmCommand.Client("sinfo", ["-h", "-o", "%D %t"], TimeSpan.FromSeconds(15));
        if (sinfo.ExitCode != 0)
            return $"sinfo with SLURM_CONF={conf} failed: {sinfo.Stderr.Trim()}{sinfo.Stdout.Trim()}";
        return null;
    }
}
