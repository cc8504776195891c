namespace HpcMsg.Tests.Infrastructure;

/// <summary>
/// Every test that starts a multi-process job belongs here. The collection runs on its own, after
/// the parallel ones and one test at a time: jobs of 4 or 8 ranks on a 2-core machine must not
/// also compete with each other, and the leftover checks (processes, /dev/shm files) rely on no
/// other job starting meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class JobsCollection
{
    public const string Name = "jobs";
}
