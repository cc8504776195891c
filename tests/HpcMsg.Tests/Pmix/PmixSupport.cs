using HpcMsg.Tests.Network;

namespace HpcMsg.Tests.Pmix;

/// <summary>
/// Whether this machine can run the PMIx tests: libpmix (package libpmix2) for the jobs, Open MPI's
/// mpirun (package openmpi-bin, whose mpirun serves PMIx to its children) to start them, and for the
/// layout check a C compiler, pkg-config and libpmix's headers (libpmix-dev). Without them the tests
/// skip with the reason, unless HPCMSG_PMIX_REQUIRED=1, or HPCMSG_NETNS_REQUIRED=1 which .ci/run sets
/// as root, where it also installs these packages: there a missing piece fails the tests.
/// </summary>
internal static class PmixSupport
{
    public const string MpirunPath = "/usr/bin/mpirun.openmpi";

    public static bool Required =>
        Environment.GetEnvironmentVariable("HPCMSG_PMIX_REQUIRED") == "1" || Environment.GetEnvironmentVariable("HPCMSG_NETNS_REQUIRED") == "1";

    /// <summary>Null when libpmix loads the way the library loads it; else why not.</summary>
    public static string? WhyNoLibrary
    {
        get
        {
            try
            {
                HpcMsg.Bootstrap.Pmix.PmixLibrary.Load(HpcMsg.Bootstrap.Pmix.PmixLibrary.DefaultNames);
                return null;
            }
            catch (HpcMsgException e)
            {
                return e.Message;
            }
        }
    }

    public static string? WhyNoMpirun => File.Exists(MpirunPath) ? null : $"Open MPI's {MpirunPath} is not installed (apt-get install openmpi-bin)";

    /// <summary>The compiler flags for libpmix's headers (pkg-config --cflags pmix), or why there are none.</summary>
    public static (string[]? Flags, string? Why) HeaderFlags()
    {
        if (Ofi.OfiSupport.CCompiler is null) return (null, "no C compiler (cc) is on PATH");
        Command.Result r = Command.Run("pkg-config", "--cflags", "pmix");
        if (r.ExitCode != 0) return (null, $"pkg-config --cflags pmix failed (packages pkg-config and libpmix-dev): {r}");
        return (r.Stdout.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries), null);
    }

    public static bool IsRoot => Environment.UserName == "root";
}

/// <summary>A fact that starts jobs with Open MPI's mpirun over libpmix: skipped, with the reason,
/// where either is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MpirunPmixFactAttribute : FactAttribute
{
    public MpirunPmixFactAttribute()
    {
        if ((PmixSupport.WhyNoMpirun ?? PmixSupport.WhyNoLibrary) is string why && !PmixSupport.Required) Skip = $"skipped: {why}";
    }
}

/// <summary>The theory form of <see cref="MpirunPmixFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MpirunPmixTheoryAttribute : TheoryAttribute
{
    public MpirunPmixTheoryAttribute()
    {
        if ((PmixSupport.WhyNoMpirun ?? PmixSupport.WhyNoLibrary) is string why && !PmixSupport.Required) Skip = $"skipped: {why}";
    }
}

/// <summary>A fact that compiles against libpmix's headers: skipped, with the reason, without them.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PmixHeadersFactAttribute : FactAttribute
{
    public PmixHeadersFactAttribute()
    {
        if (PmixSupport.HeaderFlags().Why is string why && !PmixSupport.Required) Skip = $"skipped: {why}";
    }
}
