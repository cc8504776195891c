using System.Globalization;
using System.Text;

namespace HpcRun;

/// <summary>
/// Expands a Slurm hostlist expression (<c>SLURM_JOB_NODELIST</c>) into node names, in order, as Slurm's
/// hostlist functions do: names separated by commas (or white space); a bracket holds comma-separated
/// numbers and ranges (<c>tux[0-5,12,20-25]</c>), whose zero-padding is kept (<c>node[08-10]</c> gives
/// node08, node09, node10); text may follow a bracket and a name may hold several brackets, which
/// multiply out left to right (<c>rack[1-2]-node[01-02]</c>); and the 3-D form of a rectangular prism,
/// two digit strings of equal length joined by <c>x</c> (<c>bgl[123x456]</c>: each digit position runs
/// from the first to the second number's digit). Anything else is an error that quotes the text.
/// </summary>
internal static class SlurmHostList
{
    /// <summary>No allocation is this big; a typo such as n[1-100000000] must not exhaust memory.</summary>
    public const int MaxHosts = 1 << 20;

    public static IReadOnlyList<string> Expand(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hosts = new List<string>();
        foreach (string item in SplitTopLevel(text))
        {
            var names = new List<string> { string.Empty };
            int at = 0;
            while (at < item.Length)
            {
                int open = item.IndexOf('[', at);
                string literal = open < 0 ? item[at..] : item[at..open];
                if (literal.Contains(']', StringComparison.Ordinal))
                    throw Bad(text, $"']' without '[' in '{item}'");
                for (int i = 0; i < names.Count; i++) names[i] += literal;
                if (open < 0) break;
                int close = item.IndexOf(']', open + 1);
                if (close < 0) throw Bad(text, $"'[' without ']' in '{item}'");
                IReadOnlyList<string> values = BracketValues(text, item, item[(open + 1)..close]);
                if ((long)names.Count * values.Count > MaxHosts) throw Bad(text, $"more than {MaxHosts} hosts");
                names = [.. names.SelectMany(n => values.Select(v => n + v))];
                at = close + 1;
            }
            if (names.Any(n => n.Length == 0)) throw Bad(text, "an empty host name");
            hosts.AddRange(names);
            if (hosts.Count > MaxHosts) throw Bad(text, $"more than {MaxHosts} hosts");
        }
        if (hosts.Count == 0) throw Bad(text, "no host in it");
        return hosts;
    }

    /// <summary>The items between commas or white space that are not inside brackets.</summary>
    private static List<string> SplitTopLevel(string text)
    {
        var items = new List<string>();
        var current = new StringBuilder();
        int depth = 0;
        foreach (char c in text)
        {
            if (c == '[')
            {
                if (depth > 0) throw Bad(text, "a '[' inside brackets");
                depth++;
            }
            else if (c == ']')
            {
                depth = Math.Max(0, depth - 1);
            }
            if (depth == 0 && (c == ',' || char.IsWhiteSpace(c)))
            {
                if (current.Length == 0 && c == ',') throw Bad(text, "an empty item between commas");
                if (current.Length > 0) items.Add(current.ToString());
                current.Clear();
                continue;
            }
            current.Append(c);
        }
        if (current.Length > 0) items.Add(current.ToString());
        else if (text.TrimEnd().EndsWith(',')) throw Bad(text, "an empty item after the last comma");
        return items;
    }

    private static List<string> BracketValues(string text, string item, string inside)
    {
        if (inside.Length == 0) throw Bad(text, $"empty brackets in '{item}'");
        var values = new List<string>();
        foreach (string part in inside.Split(','))
        {
            if (part.Length == 0) throw Bad(text, $"an empty range in '[{inside}]'");
            int x = part.IndexOf('x', StringComparison.Ordinal);
            if (x >= 0)
            {
                values.AddRange(Prism(text, part, part[..x], part[(x + 1)..]));
                continue;
            }
            int dash = part.IndexOf('-', StringComparison.Ordinal);
            string lowText = dash < 0 ? part : part[..dash];
            string highText = dash < 0 ? part : part[(dash + 1)..];
            long low = Number(text, part, lowText);
            long high = Number(text, part, highText);
            if (high < low) throw Bad(text, $"the range '{part}' runs backwards");
            if (high - low + 1 + values.Count > MaxHosts) throw Bad(text, $"the range '{part}' has more than {MaxHosts} hosts");
            // Slurm pads every number of a range to the width of its first bound when that has leading zeros.
            int width = lowText.Length > 1 && lowText[0] == '0' ? lowText.Length : 0;
            for (long v = low; v <= high; v++)
                values.Add(v.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'));
        }
        return values;
    }

    /// <summary><c>123x456</c>: every name whose i-th digit lies between the i-th digits of the two bounds.</summary>
    private static IEnumerable<string> Prism(string text, string part, string from, string to)
    {
        if (from.Length == 0 || from.Length != to.Length || !from.All(char.IsAsciiDigit) || !to.All(char.IsAsciiDigit))
            throw Bad(text, $"'{part}' is not a prism of two digit strings of one length (e.g. 123x456)");
        var names = new List<string> { string.Empty };
        for (int i = 0; i < from.Length; i++)
        {
            if (to[i] < from[i]) throw Bad(text, $"the prism '{part}' runs backwards in digit {i + 1}");
            names = [.. names.SelectMany(n => Enumerable.Range(from[i], to[i] - from[i] + 1).Select(d => n + (char)d))];
        }
        return names;
    }

    private static long Number(string text, string part, string digits)
    {
        if (digits.Length == 0 || digits.Length > 18 || !digits.All(char.IsAsciiDigit))
            throw Bad(text, $"'{part}' is not a number or a range of numbers (e.g. 1-4)");
        return long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private static FormatException Bad(string text, string why) => new($"'{text}': {why}");
}
