namespace HpcMsg.Tests.Network;

/// <summary>A fact that needs network namespaces: skipped, with the reason, where they cannot be made
/// (xunit 2 has no skipping from inside a test, so the attribute decides when the tests are found).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        if (NetnsSupport.WhyUnavailable is string why && !NetnsSupport.Required)
            Skip = $"skipped: needs network namespaces, and {why}";
    }
}

/// <summary>The theory form of <see cref="NetnsFactAttribute"/>: skipped, with the reason, without namespaces.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NetnsTheoryAttribute : TheoryAttribute
{
    public NetnsTheoryAttribute()
    {
        if (NetnsSupport.WhyUnavailable is string why && !NetnsSupport.Required)
            Skip = $"skipped: needs network namespaces, and {why}";
    }
}
