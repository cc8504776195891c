using System.Globalization;

namespace HpcRun;

/// <summary>
/// Reads <c>SLURM_TASKS_PER_NODE</c> (and the same form of <c>SLURM_JOB_CPUS_PER_NODE</c>): task counts
/// in the order of the node list, comma-separated, a count followed by <c>(xN)</c> standing for N
/// consecutive nodes with that count: <c>2(x3),1</c> is 2, 2, 2, 1.
/// </summary>
internal static class SlurmTasksPerNode
{
    public static IReadOnlyList<int> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var counts = new List<int>();
        foreach (string raw in text.Split(','))
        {
            string item = raw.Trim();
            if (item.Length == 0) throw Bad(text, "an empty item");
            int paren = item.IndexOf('(', StringComparison.Ordinal);
            string countText = paren < 0 ? item : item[..paren];
            int count = Whole(text, item, countText, min: 0);
            int repeat = 1;
            if (paren >= 0)
            {
                if (!item.EndsWith(')') || item.Length < paren + 4 || item[paren + 1] != 'x')
                    throw Bad(text, $"'{item}' is not N or N(xR)");
                repeat = Whole(text, item, item[(paren + 2)..^1], min: 1);
            }
            if ((long)counts.Count + repeat > SlurmHostList.MaxHosts) throw Bad(text, $"more than {SlurmHostList.MaxHosts} nodes");
            counts.AddRange(Enumerable.Repeat(count, repeat));
        }
        return counts;
    }

    private static int Whole(string text, string item, string digits, int min)
    {
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)
            || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min)
            throw Bad(text, $"'{item}' is not N or N(xR) with whole numbers{(min > 0 ? " (R at least 1)" : string.Empty)}");
        return value;
    }

    private static FormatException Bad(string text, string why) => new($"'{text}': {why}");
}
