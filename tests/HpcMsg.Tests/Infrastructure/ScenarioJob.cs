using Xunit.Abstractions;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>Shorthand for the common case: run a scenario of the test app and require that it passed.</summary>
public static class ScenarioJob
{
    public static JobResult Passes(ITestOutputHelper log, JobSpec spec)
    {
        JobResult result = JobRunner.Run(spec, log);
        JobAssert.Succeeded(result, spec.Scenario);
        return result;
    }

    public static JobResult Passes(ITestOutputHelper log, int np, string scenario, params string[] args) =>
        Passes(log, new JobSpec(np, scenario, args));

    /// <summary>hpcrun options that turn single-copy (process_vm_readv) transfers off: every message
    /// above the eager limit then goes through the pipelined chunks in the rings (the fallback, forced).</summary>
    public static readonly string[] WithoutCrossMemoryAttach = ["-x", "HPCMSG_SHM_CMA=0"];

    /// <summary>hpcrun options that make every message above the eager limit a single copy
    /// (process_vm_readv), down from the default's HPCMSG_SHM_CMA_BYTES, so that the tests exercise
    /// it at every rendezvous size beside the default (and with a core per rank too, where the default
    /// chooses between the two).</summary>
    public static readonly string[] WithCrossMemoryAttach = ["-x", "HPCMSG_SHM_CMA=1", "-x", "HPCMSG_SHM_CMA_BYTES=0", "-x", "HPCMSG_SHM_LARGE_PATH=single_copy"];
}
