using System.Reflection;
using System.Text.RegularExpressions;
using HpcMsg.Tests.Infrastructure;

namespace HpcMsg.Tests.Architecture;

/// <summary>
/// Every HPCMSG_ variable is declared once, in src/HpcMsg/Configuration/Parameters.cs, and read through
/// its descriptor there (name, type, default, valid values, reason), so that <c>hpcrun --info</c> and the
/// README list what the code reads. This scans the sources of the library and of hpcrun, with comments
/// blanked and strings kept (<see cref="CSharpLexer"/>), for the two ways around the registry: a string literal that is a whole
/// HPCMSG_ variable name (a second declaration), and an environment read (Environment.GetEnvironmentVariable,
/// or a passed-in environment function) whose argument is such a literal or a constant holding an HPCMSG_
/// name (JobEnvironment.RankVar, Parameters.Names.Iface, ...). Prose that mentions a variable inside a
/// longer string is not a read.
/// </summary>
public sealed partial class ParameterReadTests
{
    private static readonly string[] Registry =
    [
        Path.Combine("src", "HpcMsg", "Configuration", "Parameters.cs"),
        Path.Combine("src", "HpcMsg", "Configuration", "Parameter.cs"),
    ];

    [Fact]
    public void No_source_outside_the_registry_reads_or_names_an_HPCMSG_variable()
    {
        string root = RepositoryRoot.Path;
        NameConstants constants = NameConstants.Load();
        Assert.True(constants.Names("JobEnvironment.RankVar", ""), "the reflection does not see the aliases it must catch");
        var found = new List<string>();
        int files = 0;
        foreach (string file in new[] { "src", "launcher" }
                     .SelectMany(d => Directory.GetFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories)))
        {
            string relative = Path.GetRelativePath(root, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
            if (Registry.Contains(relative)) continue;
            files++;
            foreach (string problem in Problems(File.ReadAllText(file), constants))
                found.Add($"{relative}: {problem}");
        }
        Assert.True(files > 50, $"only {files} source files found under src/ and launcher/");
        Assert.True(found.Count == 0,
            "HPCMSG_ variables must be declared in Configuration/Parameters.cs and read through it:\n" + string.Join('\n', found));
    }

    /// <summary>The checks themselves, on sources that break them and sources that do not.</summary>
    [Fact]
    public void The_scan_finds_direct_reads_and_declarations_and_ignores_prose()
    {
        var constants = new NameConstants(new()
        {
            ["RankVar"] = [("JobEnvironment", true)],
            ["Iface"] = [("Names", true)],
            ["JobIdVar"] = [("JobEnvironment", true), ("SlurmAllocation", false)],
        });
        // A read of a literal name both declares and reads it.
        Assert.Equal(2, Problems("""var r = Environment.GetEnvironmentVariable("HPCMSG_RANK");""", constants).Count());
        Assert.Single(Problems("string? r = Environment.GetEnvironmentVariable(JobEnvironment.RankVar);", constants));
        Assert.Single(Problems("string? r = getEnv(Parameters.Names.Iface);", constants));
        Assert.Single(Problems("""public const string NetworkVariable = "HPCMSG_NETWORK";""", constants));
        Assert.Single(Problems("""string s = $"x {Environment.GetEnvironmentVariable(RankVar)} y";""", constants));
        Assert.Single(Problems(""""string s = $$"""{ "x" } {{getEnv(RankVar)}} y""";"""", constants));
        Assert.Empty(Problems("""
            // Environment.GetEnvironmentVariable("HPCMSG_RANK") in a comment
            /* getEnv(RankVar) */
            string a = Environment.GetEnvironmentVariable("PATH") ?? "";
            string b = $"libfabric (HPCMSG_NETWORK=ofi): {Environment.GetEnvironmentVariable("PMIX_RANK")} it's";
            string c = "a // not a comment HPCMSG_ prefix";
            var d = Parameters.Rank.Read();
            const string JobIdVar = "SLURM_JOB_ID";
            string? e = getEnv(JobIdVar) ?? getEnv(SlurmAllocation.JobIdVar);
            """, constants));
        Assert.Single(Problems("string? e = getEnv(JobEnvironment.JobIdVar);", constants));
    }

    private static IEnumerable<string> Problems(string source, NameConstants constants)
    {
        string code = CSharpLexer.Code(source, Literals.Keep);
        foreach (Match m in WholeName().Matches(code))
            yield return $"line {LineOf(code, m.Index)}: the literal {m.Value} declares a variable outside the registry";
        foreach (Match m in EnvironmentRead().Matches(code))
        {
            string argument = m.Groups["arg"].Value;
            if (argument.StartsWith("\"HPCMSG_", StringComparison.Ordinal) || constants.Names(argument, code))
                yield return $"line {LineOf(code, m.Index)}: {m.Value} reads an HPCMSG_ variable directly";
        }
    }

    /// <summary>The string constants of the library and of hpcrun, by name: the type that declares each
    /// and whether its value is an HPCMSG_ name (a name may be declared twice: JobEnvironment.JobIdVar is
    /// HPCMSG_JOB_ID, SlurmAllocation.JobIdVar SLURM_JOB_ID).</summary>
    private sealed record NameConstants(Dictionary<string, List<(string Type, bool HpcMsg)>> ByName)
    {
        public static NameConstants Load()
        {
            var byName = new Dictionary<string, List<(string Type, bool HpcMsg)>>(StringComparer.Ordinal);
            foreach (Assembly assembly in new[] { typeof(Communicator).Assembly, typeof(HpcRun.InfoCommand).Assembly })
                foreach (Type type in assembly.GetTypes())
                    foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
                        if (field is { IsLiteral: true } && field.GetRawConstantValue() is string value)
                        {
                            if (!byName.TryGetValue(field.Name, out var list)) byName[field.Name] = list = [];
                            list.Add((type.Name, value.StartsWith("HPCMSG_", StringComparison.Ordinal) && value.Length > 7));
                        }
            return new NameConstants(byName);
        }

        /// <summary>Whether <paramref name="argument"/> (Name or Type.Name, possibly qualified further)
        /// is a constant holding an HPCMSG_ name. Unqualified, the file's own constant of that name decides
        /// when the file declares one with a literal, else any constant of that name.</summary>
        public bool Names(string argument, string source)
        {
            string[] parts = argument.Split('.');
            if (!ByName.TryGetValue(parts[^1], out var declarations)) return false;
            if (parts.Length > 1) return declarations.Any(d => d.HpcMsg && d.Type == parts[^2]);
            Match own = Regex.Match(source, $@"const\s+string\s+{Regex.Escape(parts[0])}\s*=\s*""(?<value>[^""]*)""");
            return own.Success ? own.Groups["value"].Value.StartsWith("HPCMSG_", StringComparison.Ordinal) : declarations.Any(d => d.HpcMsg);
        }
    }

    private static int LineOf(string code, int index) => code.AsSpan(0, index).Count('\n') + 1;

    /// <summary>A string literal that is a whole HPCMSG_ variable name.</summary>
    [GeneratedRegex("\"HPCMSG_[A-Z0-9_]*[A-Z0-9]\"")]
    private static partial Regex WholeName();

    /// <summary>An environment read with one simple argument: Environment.GetEnvironmentVariable, or a
    /// passed-in environment function under the names the code gives it.</summary>
    [GeneratedRegex(@"(?<!\w)(?:Environment\.GetEnvironmentVariable|getEnvironmentVariable|getEnv|env|environment)\s*\(\s*(?<arg>""[^""]*""|[A-Za-z_][\w.]*)\s*\)")]
    private static partial Regex EnvironmentRead();
}
