using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using HpcMsg.Tests.Network;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>
/// Compares the C# mirrors of a native library's structures and constants with its installed headers.
/// A C program under tools/ is compiled here and prints one line per fact: <c>TYPE FIELD OFFSET SIZE</c>
/// (<c>-</c> as the field: the type's size), <c>= NAME VALUE</c> (a number) or <c>$ NAME TEXT</c> (a
/// string). C names without underscores, case aside, are the C# names. Every printed fact must match,
/// and every C# field and constant must be printed (but those named as composed on the C# side), so
/// that neither side has one the other lacks. Used for libfabric (OfiLayoutTests) and PMIx
/// (PmixLayoutTests).
/// </summary>
internal static class NativeLayoutCheck
{
    /// <summary>What differs, and how many layout and constant lines were compared.</summary>
    public sealed record Result(IReadOnlyList<string> Mismatches, int Layouts, int Constants);

    /// <param name="compiler">The C compiler to build the program with.</param>
    /// <param name="tool">The program's path under the repository, e.g. tools/ofi-layout/ofi_layout.c.</param>
    /// <param name="flags">Compiler flags the headers need (include paths), besides -std=c11 -Wall -Werror.</param>
    /// <param name="mirrors">C type name to its C# mirror (a primitive for a scalar typedef).</param>
    /// <param name="constants">The class whose literal fields mirror the headers' constants.</param>
    /// <param name="composed">Literal fields of <paramref name="constants"/> that are no one C constant.</param>
    public static Result Run(string compiler, string tool, IEnumerable<string> flags, IReadOnlyDictionary<string, Type> mirrors, Type constants, IReadOnlyCollection<string> composed)
    {
        string directory = Directory.CreateTempSubdirectory("hpcmsg-layout-").FullName;
        try
        {
            string source = Path.Combine(RepositoryRoot.Path, tool);
            string program = Path.Combine(directory, Path.GetFileNameWithoutExtension(source));
            Command.Result build = Command.Run(compiler, ["-std=c11", "-Wall", "-Werror", .. flags, "-o", program, source]);
            Assert.True(build.ExitCode == 0, $"{compiler} {source}: {build}");
            Command.Result run = Command.Run(program);
            Assert.True(run.ExitCode == 0, $"{program}: {run}");
            return Compare(run.Stdout, Path.GetFileName(source), mirrors, constants, composed);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Result Compare(string printed, string tool, IReadOnlyDictionary<string, Type> mirrors, Type constants, IReadOnlyCollection<string> composed)
    {
        var seen = new HashSet<(Type, string)>();
        var seenConstants = new HashSet<string>();
        var mismatches = new List<string>();
        int layouts = 0, constantLines = 0;
        foreach (string line in printed.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] p = line.Split(' ');
            if (p[0] is "=" or "$")
            {
                constantLines++;
                FieldInfo? constant = ByCName(Literals(constants), p[1]);
                if (constant is null) { mismatches.Add($"{p[1]} has no constant in {constants.Name}"); continue; }
                seenConstants.Add(constant.Name);
                object csValue = constant.GetRawConstantValue()!;
                bool same = p[0] == "$"
                    ? csValue is string text && text == p[2]
                    : csValue is not string && AsInt128(csValue) == Int128.Parse(p[2], CultureInfo.InvariantCulture);
                if (!same) mismatches.Add($"{p[1]} is {p[2]} in the headers, {constants.Name}.{constant.Name} is {csValue}");
                continue;
            }
            string cType = p[0], cField = p[1];
            long offset = long.Parse(p[2], CultureInfo.InvariantCulture), size = long.Parse(p[3], CultureInfo.InvariantCulture);
            layouts++;
            Assert.True(mirrors.TryGetValue(cType, out Type? type), $"type {cType} has no C# mirror in the table");
            if (cField == "-")
            {
                int csSize = Marshal.SizeOf(type);
                if (csSize != size) mismatches.Add($"sizeof({cType}) is {size}, {type.Name} is {csSize}");
                continue;
            }
            FieldInfo? field = ByCName(Fields(type), cField);
            if (field is null) { mismatches.Add($"{cType}.{cField} has no field in {type.Name}"); continue; }
            seen.Add((type, field.Name));
            long csOffset = Marshal.OffsetOf(type, field.Name).ToInt64();
            int csFieldSize = SizeOf(field.FieldType);
            if (csOffset != offset || csFieldSize != size)
                mismatches.Add($"{cType}.{cField}: header offset {offset} size {size}, {type.Name}.{field.Name} offset {csOffset} size {csFieldSize}");
        }
        foreach (Type type in mirrors.Values.Where(t => !t.IsPrimitive))
            foreach (FieldInfo f in Fields(type).Where(f => !seen.Contains((type, f.Name))))
                mismatches.Add($"{type.Name}.{f.Name} is not in the header's type (or {tool} does not print it)");
        foreach (FieldInfo c in Literals(constants).Where(c => !seenConstants.Contains(c.Name) && !composed.Contains(c.Name)))
            mismatches.Add($"{constants.Name}.{c.Name} is not printed by {tool} (or has no C constant of that name)");
        return new Result(mismatches, layouts, constantLines);
    }

    private static Int128 AsInt128(object value) =>
        value is ulong u ? u : Convert.ToInt64(value, CultureInfo.InvariantCulture);

    private static IEnumerable<FieldInfo> Literals(Type type) =>
        type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).Where(f => f.IsLiteral);

    private static IEnumerable<FieldInfo> Fields(Type type) => type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    private static FieldInfo? ByCName(IEnumerable<FieldInfo> fields, string cName) =>
        fields.FirstOrDefault(f => string.Equals(f.Name, cName.Replace("_", string.Empty), StringComparison.OrdinalIgnoreCase));

    private static int SizeOf(Type t) =>
        t.IsPointer || t.IsFunctionPointer || t == typeof(nint) || t == typeof(nuint) ? IntPtr.Size : Marshal.SizeOf(t);
}
