using System.Globalization;
using System.Text.RegularExpressions;

namespace HpcRun;

/// <summary>
/// Reads a hostfile in Open MPI's syntax: one host a line, <c>name [slots=N] [max_slots=M]</c>
/// (<c>max-slots</c> too), <c>#</c> starts a comment, blank lines are ignored; a host without
/// <c>slots=</c> has one slot; <c>max_slots</c> bounds the ranks the host takes even with
/// --oversubscribe; a host listed again adds its slots to the first line's (Open MPI's reading). Every
/// error names the file and the line.
/// </summary>
internal static partial class HostfileParser
{
    public static IReadOnlyList<HostSpec> Parse(string fileName, string text)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(text);
        var hosts = new List<HostSpec>();
        var indexOf = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
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
            HostSpec host = ParseHost(fileName, lineNumber, name, words.AsSpan(1));
            if (indexOf.TryGetValue(name, out int earlier)) hosts[earlier] = hosts[earlier].Plus(host);
            else
            {
                indexOf[name] = hosts.Count;
                hosts.Add(host);
            }
        }
        if (hosts.Count == 0)
            throw new LauncherException($"{fileName}: no hosts in the file", ExitCodes.Usage);
        return hosts;
    }

    private static HostSpec ParseHost(string fileName, int lineNumber, string name, ReadOnlySpan<string> keywords)
    {
        int? slots = null, maxSlots = null;
        foreach (string word in keywords)
        {
            int eq = word.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? word : word[..eq];
            string value = eq < 0 ? string.Empty : word[(eq + 1)..];
            switch (key)
            {
                case "slots":
                    if (slots is not null) throw Failure(fileName, lineNumber, "slots= given twice");
                    slots = Count(fileName, lineNumber, key, value);
                    break;
                case "max_slots" or "max-slots":
                    if (maxSlots is not null) throw Failure(fileName, lineNumber, "max_slots= given twice");
                    maxSlots = Count(fileName, lineNumber, key, value);
                    break;
                default:
                    throw Failure(fileName, lineNumber, $"unknown keyword '{key}' (hpcrun understands slots=N and max_slots=M)");
            }
        }
        // max_slots alone makes the slots that many (Open MPI's reading): a host that may take M ranks
        // takes M before the hosts count as oversubscribed.
        int taken = slots ?? maxSlots ?? 1;
        if (maxSlots < taken)
            throw Failure(fileName, lineNumber, $"max_slots={maxSlots} is below slots={taken}: a host cannot take fewer ranks at most than it takes unforced");
        return new HostSpec(name, taken, maxSlots);
    }

    private static int Count(string fileName, int lineNumber, string key, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 ? n
            : throw Failure(fileName, lineNumber, $"bad {key} value '{value}': expected a whole number, at least 1");

    private static LauncherException Failure(string fileName, int lineNumber, string message) =>
        new($"{fileName}:{lineNumber}: {message}", ExitCodes.Usage);

    [GeneratedRegex(@"\s*=\s*")]
    private static partial Regex SpacedEquals();
}
