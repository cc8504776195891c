using System.Globalization;
using HpcMsg.Bootstrap;

namespace HpcRun;

/// <summary>What one rank finds in its environment: the -x variables, then the job's own (which win).</summary>
internal static class RankEnvironment
{
    /// <summary>A null value removes the variable, so that one inherited from an enclosing job cannot leak in.</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> For(
        int rank, LauncherOptions options, string jobId, string? shmPath, int launcherPid)
    {
        ArgumentNullException.ThrowIfNull(options);
        var vars = new List<KeyValuePair<string, string?>>();
        foreach (var (name, value) in options.ForwardedEnvironment) vars.Add(new(name, value));
        vars.Add(new(JobEnvironment.RankVar, rank.ToString(CultureInfo.InvariantCulture)));
        vars.Add(new(JobEnvironment.SizeVar, options.Np.ToString(CultureInfo.InvariantCulture)));
        vars.Add(new(JobEnvironment.JobIdVar, jobId));
        vars.Add(new(JobEnvironment.ShmPathVar, shmPath));
        vars.Add(new(JobEnvironment.LauncherPidVar, launcherPid.ToString(CultureInfo.InvariantCulture)));
        vars.Add(new(JobEnvironment.OversubscribedVar, options.IsOversubscribed ? "1" : null));
        return vars;
    }
}
