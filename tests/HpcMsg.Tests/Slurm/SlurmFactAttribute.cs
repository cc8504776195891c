namespace HpcMsg.Tests.Slurm;

/// <summary>A fact that needs a running Slurm cluster (HPCMSG_SLURM_CONF names its slurm.conf): skipped,
/// with the reason, where there is none, and failed instead when HPCMSG_SLURM_REQUIRED=1 (.ci/run).
/// <see cref="Nodes"/> says how many nodes it needs: on a smaller cluster (<c>.ci/slurm-up single</c>)
/// it is skipped, saying so, required or not.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SlurmFactAttribute : FactAttribute
{
    private int nodes = 1;

    public SlurmFactAttribute()
    {
        if (SlurmSupport.WhyUnavailable is string why && !SlurmSupport.Required)
            Skip = $"skipped: needs a Slurm cluster, and {why}";
    }

    /// <summary>The nodes the test needs (1 by default: it runs on a one-node cluster too).</summary>
    public int Nodes
    {
        get => nodes;
        set
        {
            nodes = value;
            Skip ??= SlurmSupport.WhyTooFewNodes(value);
        }
    }
}

/// <summary>The theory form of <see cref="SlurmFactAttribute"/>; <see cref="Nodes"/> is what its most
/// demanding row needs.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SlurmTheoryAttribute : TheoryAttribute
{
    private int nodes = 1;

    public SlurmTheoryAttribute()
    {
        if (SlurmSupport.WhyUnavailable is string why && !SlurmSupport.Required)
            Skip = $"skipped: needs a Slurm cluster, and {why}";
    }

    /// <summary>The nodes the test needs (1 by default: it runs on a one-node cluster too).</summary>
    public int Nodes
    {
        get => nodes;
        set
        {
            nodes = value;
            Skip ??= SlurmSupport.WhyTooFewNodes(value);
        }
    }
}

/// <summary>The trait that marks the tests .ci/run also runs on a one-node cluster (<c>.ci/slurm-up single</c>):
/// <c>[Trait(SlurmTopology.Trait, SlurmTopology.OneNode)]</c>, selected with
/// <c>--filter "SlurmTopology=one-node"</c>. Each must need one node (<see cref="SlurmFactAttribute.Nodes"/>
/// left at 1; SlurmTopologyTests checks it); they run on the 3-node cluster as well, with the others.</summary>
public static class SlurmTopology
{
    public const string Trait = "SlurmTopology";
    public const string OneNode = "one-node";
}
