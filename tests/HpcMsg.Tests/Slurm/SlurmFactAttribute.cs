namespace HpcMsg.Tests.Slurm;

/// <summary>A fact that needs a running Slurm cluster (HPCMSG_SLURM_CONF names its slurm.conf): skipped,
/// with the reason, where there is none, and failed instead when HPCMSG_SLURM_REQUIRED=1 (.ci/run).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (SlurmSupport.WhyUnavailable is string why && !SlurmSupport.Required)
            Skip = $"skipped: needs a Slurm cluster, and {why}";
    }
}

/// <summary>The theory form of <see cref="SlurmFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SlurmTheoryAttribute : TheoryAttribute
{
    public SlurmTheoryAttribute()
    {
        if (SlurmSupport.WhyUnavailable is string why && !SlurmSupport.Required)
            Skip = $"skipped: needs a Slurm cluster, and {why}";
    }
}
