using System.Reflection;
using System.Runtime.InteropServices;
using HpcMsg.Tests.Network;
using HpcMsg.Transports.Ofi;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Ofi;

/// <summary>
/// The C# mirrors of libfabric's structures and operation tables against the installed headers:
/// tools/ofi-layout/ofi_layout.c is compiled with cc and prints every size and offset; each must equal
/// the C# one (C field names without underscores, case aside, are the C# names), and every C# field
/// must be printed, so that neither side has a field the other lacks. The same for the constants of
/// <see cref="OfiConstants"/> (the program prints each macro's or enumerator's value; C names without
/// underscores are the C# names): the wait object, the control command and the errors the wait relies on
/// are checked like every other.
/// </summary>
public sealed class OfiLayoutTests(ITestOutputHelper log)
{
    private static readonly Dictionary<string, Type> Mirrors = new()
    {
        ["fi_tx_attr"] = typeof(FiTxAttr), ["fi_rx_attr"] = typeof(FiRxAttr), ["fi_ep_attr"] = typeof(FiEpAttr),
        ["fi_domain_attr"] = typeof(FiDomainAttr), ["fi_fabric_attr"] = typeof(FiFabricAttr), ["fi_info"] = typeof(FiInfo),
        ["fi_cq_attr"] = typeof(FiCqAttr), ["fi_av_attr"] = typeof(FiAvAttr), ["fi_cq_tagged_entry"] = typeof(FiCqTaggedEntry),
        ["fi_cq_err_entry"] = typeof(FiCqErrEntry), ["fi_context2"] = typeof(FiContext2),
        ["fi_ops"] = typeof(FiOps), ["fid"] = typeof(Fid), ["fi_ops_fabric"] = typeof(FiOpsFabric), ["fid_fabric"] = typeof(FidFabric),
        ["fi_ops_domain"] = typeof(FiOpsDomain), ["fid_domain"] = typeof(FidDomain), ["fi_ops_ep"] = typeof(FiOpsEp),
        ["fi_ops_cm"] = typeof(FiOpsCm), ["fi_ops_tagged"] = typeof(FiOpsTagged), ["fid_ep"] = typeof(FidEp),
        ["fi_ops_av"] = typeof(FiOpsAv), ["fid_av"] = typeof(FidAv), ["fi_ops_cq"] = typeof(FiOpsCq), ["fid_cq"] = typeof(FidCq),
    };

    /// <summary>OfiConstants' fields that are not one C constant: composed here, or FI_VERSION(1, 17).</summary>
    private static readonly string[] Composed = [nameof(OfiConstants.ApiVersion), nameof(OfiConstants.FiRmaAll)];

    [OfiHeadersFact]
    public void Every_mirrored_field_has_the_offset_and_size_of_the_header()
    {
        string directory = Directory.CreateTempSubdirectory("hpcmsg-ofi-layout-").FullName;
        try
        {
            string program = Path.Combine(directory, "ofi_layout");
            string source = Path.Combine(Infrastructure.RepositoryRoot.Path, "tools", "ofi-layout", "ofi_layout.c");
            Command.Result build = Command.Run(OfiSupport.CCompiler ?? "cc", "-std=c11", "-Wall", "-Werror", "-o", program, source);
            Assert.True(build.ExitCode == 0, $"cc {source}: {build}");
            Command.Result run = Command.Run(program);
            Assert.True(run.ExitCode == 0, $"{program}: {run}");

            var seen = new HashSet<(Type, string)>();
            var seenConstants = new HashSet<string>();
            var mismatches = new List<string>();
            int lines = 0, constants = 0;
            foreach (string line in run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] p = line.Split(' ');
                if (p[0] == "=")
                {
                    constants++;
                    FieldInfo? constant = ConstantOf(p[1]);
                    if (constant is null) { mismatches.Add($"{p[1]} has no constant in OfiConstants"); continue; }
                    seenConstants.Add(constant.Name);
                    ulong csValue = Convert.ToUInt64(constant.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture);
                    if (csValue != ulong.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture))
                        mismatches.Add($"{p[1]} is {p[2]} in the headers, OfiConstants.{constant.Name} is {csValue}");
                    continue;
                }
                string cStruct = p[0], cField = p[1];
                long offset = long.Parse(p[2]), size = long.Parse(p[3]);
                lines++;
                Assert.True(Mirrors.TryGetValue(cStruct, out Type? type), $"struct {cStruct} has no C# mirror in the table");
                if (cField == "-")
                {
                    int csSize = Marshal.SizeOf(type);
                    if (csSize != size) mismatches.Add($"sizeof(struct {cStruct}) is {size}, {type.Name} is {csSize}");
                    continue;
                }
                FieldInfo? field = FieldOf(type, cField);
                if (field is null) { mismatches.Add($"{cStruct}.{cField} has no field in {type.Name}"); continue; }
                seen.Add((type, field.Name));
                long csOffset = Marshal.OffsetOf(type, field.Name).ToInt64();
                int csFieldSize = SizeOf(field.FieldType);
                if (csOffset != offset || csFieldSize != size)
                    mismatches.Add($"{cStruct}.{cField}: header offset {offset} size {size}, {type.Name}.{field.Name} offset {csOffset} size {csFieldSize}");
            }
            foreach (Type type in Mirrors.Values)
                foreach (FieldInfo f in Fields(type).Where(f => !seen.Contains((type, f.Name))))
                    mismatches.Add($"{type.Name}.{f.Name} is not in the header's struct (or ofi_layout.c does not print it)");
            foreach (FieldInfo c in Constants().Where(c => !seenConstants.Contains(c.Name) && !Composed.Contains(c.Name)))
                mismatches.Add($"OfiConstants.{c.Name} is not printed by ofi_layout.c (or has no C constant of that name)");
            log.WriteLine($"{lines} sizes and offsets compared for {Mirrors.Count} structures, and {constants} constants");
            Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
            Assert.True(lines > 200, $"only {lines} lines from ofi_layout");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static IEnumerable<FieldInfo> Constants() =>
        typeof(OfiConstants).GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).Where(f => f.IsLiteral);

    private static FieldInfo? ConstantOf(string cName) =>
        Constants().FirstOrDefault(f => string.Equals(f.Name, cName.Replace("_", string.Empty), StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<FieldInfo> Fields(Type type) => type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    private static FieldInfo? FieldOf(Type type, string cName) =>
        Fields(type).FirstOrDefault(f => string.Equals(f.Name, cName.Replace("_", string.Empty), StringComparison.OrdinalIgnoreCase));

    private static int SizeOf(Type t) =>
        t.IsPointer || t.IsFunctionPointer || t == typeof(nint) || t == typeof(nuint) ? IntPtr.Size : Marshal.SizeOf(t);
}
