using HpcMsg.Transports.Ofi;

namespace HpcMsg.Tests.Ofi;

/// <summary>
/// Whether this machine can run the libfabric tests: libfabric.so.1 loads (package libfabric1) and, for
/// the layout check, a C compiler and libfabric's headers (libfabric-dev) are there. Without them the
/// tests skip with the reason, unless HPCMSG_OFI_REQUIRED=1, or HPCMSG_NETNS_REQUIRED=1 which .ci/run
/// sets as root, where it also installs these packages: there a missing piece fails the tests.
/// </summary>
internal static class OfiSupport
{
    public const string RequiredVariable = "HPCMSG_OFI_REQUIRED";

    public static bool Required =>
        Environment.GetEnvironmentVariable(RequiredVariable) == "1" || Environment.GetEnvironmentVariable("HPCMSG_NETNS_REQUIRED") == "1";

    public static string? WhyNoLibrary => OfiLibrary.Shared.WhyUnavailable;

    public static string? WhyNoHeaders
    {
        get
        {
            if (!File.Exists("/usr/include/rdma/fabric.h")) return "libfabric's headers (/usr/include/rdma/fabric.h, package libfabric-dev) are not installed";
            if (CCompiler is null) return "no C compiler (cc) is on PATH";
            return null;
        }
    }

    public static string? CCompiler =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "cc")).FirstOrDefault(File.Exists);
}

/// <summary>A fact that needs libfabric loaded: skipped, with the reason, where it is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OfiFactAttribute : FactAttribute
{
    public OfiFactAttribute()
    {
        if (OfiSupport.WhyNoLibrary is string why && !OfiSupport.Required) Skip = $"skipped: needs libfabric, and {why}";
    }
}

/// <summary>The theory form of <see cref="OfiFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OfiTheoryAttribute : TheoryAttribute
{
    public OfiTheoryAttribute()
    {
        if (OfiSupport.WhyNoLibrary is string why && !OfiSupport.Required) Skip = $"skipped: needs libfabric, and {why}";
    }
}

/// <summary>A fact that compiles against libfabric's headers: skipped, with the reason, without them or cc.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OfiHeadersFactAttribute : FactAttribute
{
    public OfiHeadersFactAttribute()
    {
        if (OfiSupport.WhyNoHeaders is string why && !OfiSupport.Required) Skip = $"skipped: {why}";
    }
}
