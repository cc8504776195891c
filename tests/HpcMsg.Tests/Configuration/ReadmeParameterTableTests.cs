using System.Text.RegularExpressions;
using HpcMsg.Configuration;
using HpcMsg.Tests.Infrastructure;

namespace HpcMsg.Tests.Configuration;

/// <summary>The README's parameter tables and the registry say the same: every declared parameter has a
/// row with the same default and valid values, and no row names an undeclared variable.</summary>
public sealed class ReadmeParameterTableTests
{
    private sealed record Row(string Name, string Default, string Valid, int Line);

    /// <summary>Rows of the tables under "## Tuning (environment variables)" whose first cell is a variable.</summary>
    private static List<Row> ReadmeRows()
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "README.md"));
        int start = Array.FindIndex(lines, l => l.StartsWith("## Tuning (environment variables)", StringComparison.Ordinal));
        Assert.True(start >= 0, "README.md has no '## Tuning (environment variables)' section");
        var rows = new List<Row>();
        for (int i = start + 1; i < lines.Length && !lines[i].StartsWith("## ", StringComparison.Ordinal); i++)
        {
            if (!lines[i].StartsWith("| `HPCMSG_", StringComparison.Ordinal)) continue;
            string[] cells = [.. lines[i].Trim('|').Split(" | ").Select(c => c.Trim())];
            Assert.True(cells.Length == 4, $"README.md line {i + 1}: expected 4 cells (variable, default, valid values, meaning), got {cells.Length}");
            Match name = Regex.Match(cells[0], "^`(HPCMSG_[A-Z0-9_]+)`$");
            Assert.True(name.Success, $"README.md line {i + 1}: the first cell must be one variable in backticks, not '{cells[0]}'");
            rows.Add(new Row(name.Groups[1].Value, Plain(cells[1]), Plain(cells[2]), i + 1));
        }
        return rows;
    }

    private static string Plain(string cell) => cell.Replace("`", "", StringComparison.Ordinal);

    [Fact]
    public void Every_parameter_has_one_README_row_with_its_default_and_valid_values()
    {
        List<Row> rows = ReadmeRows();
        var problems = new List<string>();
        foreach (var dup in rows.GroupBy(r => r.Name).Where(g => g.Count() > 1))
            problems.Add($"{dup.Key} has {dup.Count()} rows");
        foreach (Row row in rows)
        {
            Parameter? p = Parameters.Find(row.Name);
            if (p is null)
            {
                problems.Add($"line {row.Line}: {row.Name} is not declared in Parameters");
                continue;
            }
            if (row.Default != p.DefaultText) problems.Add($"line {row.Line}: {row.Name} default '{row.Default}', declared '{p.DefaultText}'");
            if (row.Valid != p.ValidValues) problems.Add($"line {row.Line}: {row.Name} valid values '{row.Valid}', declared '{p.ValidValues}'");
        }
        foreach (Parameter p in Parameters.All.Where(p => rows.All(r => r.Name != p.Name)))
            problems.Add($"{p.Name} has no row; add: | `{p.Name}` | {p.DefaultText} | {p.ValidValues} | ... |");
        Assert.True(problems.Count == 0, "README.md's parameter tables and src/HpcMsg/Configuration/Parameters.cs differ:\n" + string.Join("\n", problems));
    }
}
