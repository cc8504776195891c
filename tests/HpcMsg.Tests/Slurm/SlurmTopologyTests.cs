using System.Reflection;

namespace HpcMsg.Tests.Slurm;

/// <summary>The one-node set that .ci/run runs on <c>.ci/slurm-up single</c> (trait
/// <see cref="SlurmTopology.OneNode"/>) holds only tests that need one node, so that none of them is skipped
/// there; and it covers what the one node is run for: srun with PMI-2 and PMIx (a task lost before Init
/// too), hpcrun in an allocation, the sbatch examples, the harness's own checks.</summary>
public sealed class SlurmTopologyTests
{
    private static readonly Type[] SlurmAttributes =
        [typeof(SlurmFactAttribute), typeof(SlurmTheoryAttribute), typeof(SlurmOfiFactAttribute), typeof(SlurmOfiTheoryAttribute)];

    private static IEnumerable<MethodInfo> OneNodeTests() =>
        typeof(SlurmTopologyTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(m => m.CustomAttributes.Any(a => a.AttributeType == typeof(TraitAttribute)
                && a.ConstructorArguments.Select(c => c.Value as string).SequenceEqual([SlurmTopology.Trait, SlurmTopology.OneNode])));

    [Fact]
    public void Every_one_node_test_is_a_Slurm_test_that_needs_one_node()
    {
        var wrong = new List<string>();
        foreach (MethodInfo m in OneNodeTests())
        {
            CustomAttributeData? slurm = m.CustomAttributes.SingleOrDefault(a => SlurmAttributes.Contains(a.AttributeType));
            string name = $"{m.DeclaringType!.Name}.{m.Name}";
            if (slurm is null) wrong.Add($"{name}: not a Slurm test");
            else if (slurm.NamedArguments.FirstOrDefault(a => a.MemberName == nameof(SlurmFactAttribute.Nodes)).TypedValue.Value is int nodes && nodes != 1)
                wrong.Add($"{name}: needs {nodes} nodes");
        }
        Assert.True(wrong.Count == 0, "one-node tests that cannot run on one node:\n" + string.Join('\n', wrong));
    }

    [Fact]
    public void The_one_node_set_covers_srun_hpcrun_sbatch_and_the_harness()
    {
        string[] classes = [.. OneNodeTests().Select(m => m.DeclaringType!.Name).Distinct().Order()];
        Assert.Equal(
            [nameof(HpcrunInAllocationTests), nameof(SlurmHarnessTests), nameof(SrunInitFailureTests), nameof(SrunPmiTests), nameof(SrunPmixTests)],
            classes);
    }
}
