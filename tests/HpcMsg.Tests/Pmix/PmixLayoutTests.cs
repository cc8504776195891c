using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using HpcMsg.Bootstrap.Pmix;
using HpcMsg.Tests.Network;
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
        string directory = Directory.CreateTempSubdirectory("hpcmsg-pmix-layout-").FullName;
        try
        {
            string program = Path.Combine(directory, "pmix_layout");
            string source = Path.Combine(Infrastructure.RepositoryRoot.Path, "tools", "pmix-layout", "pmix_layout.c");
            Command.Result build = Command.Run(Ofi.OfiSupport.CCompiler ?? "cc", ["-std=c11", "-Wall", "-Werror", .. flags, "-o", program, source]);
            Assert.True(build.ExitCode == 0, $"cc {source}: {build}");
            Command.Result run = Command.Run(program);
            Assert.True(run.ExitCode == 0, $"{program}: {run}");

            var seen = new HashSet<(Type, string)>();
            var seenConstants = new HashSet<string>();
            var mismatches = new List<string>();
            int lines = 0;
            foreach (string line in run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] p = line.Split(' ');
                if (p[0] is "=" or "$")
                {
                    FieldInfo? constant = ConstantOf(p[1]);
                    if (constant is null) { mismatches.Add($"{p[1]} has no constant in PmixConstants"); continue; }
                    seenConstants.Add(constant.Name);
                    object csValue = constant.GetRawConstantValue()!;
                    bool same = p[0] == "$"
                        ? csValue is string text && text == p[2]
                        : csValue is not string && Convert.ToInt64(csValue, CultureInfo.InvariantCulture) == long.Parse(p[2], CultureInfo.InvariantCulture);
                    if (!same) mismatches.Add($"{p[1]} is {p[2]} in the headers, PmixConstants.{constant.Name} is {csValue}");
                    continue;
                }
                string cStruct = p[0], cField = p[1];
                long offset = long.Parse(p[2], CultureInfo.InvariantCulture), size = long.Parse(p[3], CultureInfo.InvariantCulture);
                lines++;
                Assert.True(Mirrors.TryGetValue(cStruct, out Type? type), $"type {cStruct} has no C# mirror in the table");
                if (cField == "-")
                {
                    int csSize = Marshal.SizeOf(type);
                    if (csSize != size) mismatches.Add($"sizeof({cStruct}) is {size}, {type.Name} is {csSize}");
                    continue;
                }
                FieldInfo? field = FieldOf(type, cField);
                if (field is null) { mismatches.Add($"{cStruct}.{cField} has no field in {type.Name}"); continue; }
                seen.Add((type, field.Name));
                long csOffset = Marshal.OffsetOf(type, field.Name).ToInt64();
                int csFieldSize = Marshal.SizeOf(field.FieldType);
                if (csOffset != offset || csFieldSize != size)
                    mismatches.Add($"{cStruct}.{cField}: header offset {offset} size {size}, {type.Name}.{field.Name} offset {csOffset} size {csFieldSize}");
            }
            foreach (Type type in Mirrors.Values.Where(t => !t.IsPrimitive))
                foreach (FieldInfo f in Fields(type).Where(f => !seen.Contains((type, f.Name))))
                    mismatches.Add($"{type.Name}.{f.Name} is not in the header's struct (or pmix_layout.c does not print it)");
            foreach (FieldInfo c in Constants().Where(c => !seenConstants.Contains(c.Name)))
                mismatches.Add($"PmixConstants.{c.Name} is not printed by pmix_layout.c (or has no C constant of that name)");
            log.WriteLine($"{lines} sizes and offsets compared for {Mirrors.Count} types, and {seenConstants.Count} constants");
            Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
            Assert.True(lines >= 15, $"only {lines} lines from pmix_layout");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static IEnumerable<FieldInfo> Constants() =>
        typeof(PmixConstants).GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).Where(f => f.IsLiteral);

    private static FieldInfo? ConstantOf(string cName) =>
        Constants().FirstOrDefault(f => string.Equals(f.Name, cName.Replace("_", string.Empty), StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<FieldInfo> Fields(Type type) => type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    private static FieldInfo? FieldOf(Type type, string cName) =>
        Fields(type).FirstOrDefault(f => string.Equals(f.Name, cName.Replace("_", string.Empty), StringComparison.OrdinalIgnoreCase));
}
