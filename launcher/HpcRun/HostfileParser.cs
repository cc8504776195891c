using System.Globalization;
using System.Text.RegularExpressions;

namespace HpcRun;

/// <summary>
/// Reads a hostfile in Open MPI's syntax: one host a line, <c>name [slots=N]</c>, <c>#</c> starts a
/// comment, blank lines are ignored; a host without <c>slots=</c> has one slot. Every error names the
/// file and the line.
/// </summary>
internal static partial class HostfileParser
{
    public static IReadOnlyList<HostSpec> Parse(string fileName, string text)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(text);
        var hosts = new List<HostSpec>();
        var firstLine = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNumber = i + 1;
            string line = lines[i];
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0) line = line[..hash];
            // "slots = 4" is as good as "slots=4" (Open MPI's lexer allows both).
            line = SpacedEquals().Replace(line, "=");
            string[] words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) continue;

            string name = words[0];
            if (!HostNames.IsValid(name))
                throw Failure(fileName, lineNumber, $"'{name}' is not a host name");
            if (firstLine.TryGetValue(name, out int earlier))
                throw Failure(fileName, lineNumber, $"host '{name}' is already listed on line {earlier}");
            firstLine[name] = lineNumber;
            hosts.Add(new HostSpec(name, ParseSlots(fileName, lineNumber, words.AsSpan(1))));
        }
        if (hosts.Count == 0)
            throw new LauncherException($"{fileName}: no hosts in the file", ExitCodes.Usage);
        return hosts;
    }

    private static int ParseSlots(string fileName, int lineNumber, ReadOnlySpan<string> keywords)
    {
        int? slots = null;
        foreach (string word in keywords)
        {
            int eq = word.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? word : word[..eq];
            if (key != "slots")
                throw Failure(fileName, lineNumber, $"unknown keyword '{key}' (hpcrun understands slots=N)");
            if (slots is not null)
                throw Failure(fileName, lineNumber, "slots= given twice");
            string value = eq < 0 ? string.Empty : word[(eq + 1)..];
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                throw Failure(fileName, lineNumber, $"bad slots value '{value}': expected a whole number, at least 1");
            slots = n;
        }
        return slots ?? 1;
    }

    private static LauncherException Failure(string fileName, int lineNumber, string message) =>
        new($"{fileName}:{lineNumber}: {message}", ExitCodes.Usage);

    [GeneratedRegex(@"\s*=\s*")]
    private static partial Regex SpacedEquals();
}
