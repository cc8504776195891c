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

    /// <summary>hpcrun options that turn single-copy (process_vm_readv) transfers off: large
    /// messages then go through the pipelined chunks in the rings (the default).</summary>
    public static readonly string[] WithoutCrossMemoryAttach = ["-x", "HPCMSG_SHM_CMA=0"];

    /// <summary>hpcrun options that turn single-copy (process_vm_readv) transfers on, so that the
    /// tests exercise them beside the default ring pipeline.</summary>
    public static readonly string[] WithCrossMemoryAttach = ["-x", "HPCMSG_SHM_CMA=1"];
}
