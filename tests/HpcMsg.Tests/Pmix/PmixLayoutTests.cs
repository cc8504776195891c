using HpcMsg.Bootstrap.Pmix;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Pmix;

/// <summary>
/// The C# mirrors of PMIx's structures and constants against the installed headers:
/// tools/pmix-layout/pmix_layout.c is compiled with cc and prints every size and offset; each must equal
/// the C# one (C field names without underscores, case aside, are the C# names), and every C# field
/// must be printed, so that neither side has a field the other lacks. The scalar types in the functions'
/// signatures (pmix_status_t and the rest) are checked against the C# types the calls use, and every
/// constant of <see cref="PmixConstants"/> against the header's value (numbers) or text (attribute keys).
/// </summary>
public sealed class PmixLayoutTests(ITestOutputHelper log)
{
    private static readonly Dictionary<string, Type> Mirrors = new()
    {
        ["pmix_proc_t"] = typeof(PmixProc), ["pmix_value_t"] = typeof(PmixValue), ["pmix_info_t"] = typeof(PmixInfo),
        // The scalars of the signatures PmixLibrary binds.
        ["pmix_status_t"] = typeof(int), ["pmix_rank_t"] = typeof(uint), ["pmix_data_type_t"] = typeof(ushort),
        ["pmix_scope_t"] = typeof(byte), ["pmix_info_directives_t"] = typeof(uint),
    };

    [PmixHeadersFact]
    public void Every_mirrored_field_and_constant_matches_the_header()
    {
        (string[]? flags, string? why) = PmixSupport.HeaderFlags();
        Assert.True(flags is not null, why);
        NativeLayoutCheck.Result r = NativeLayoutCheck.Run(Ofi.OfiSupport.CCompiler ?? "cc", "tools/pmix-layout/pmix_layout.c", flags, Mirrors, typeof(PmixConstants), []);
        log.WriteLine($"{r.Layouts} sizes and offsets compared for {Mirrors.Count} types, and {r.Constants} constants");
        Assert.True(r.Mismatches.Count == 0, string.Join('\n', r.Mismatches));
        Assert.True(r.Layouts >= 15, $"only {r.Layouts} lines from pmix_layout");
    }
}
