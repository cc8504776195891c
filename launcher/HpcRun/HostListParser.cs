using System.Globalization;

namespace HpcRun;

/// <summary>Reads <c>--host h1:2,h2:2</c>: comma-separated hosts, each with an optional slot count (default 1).</summary>
internal static class HostListParser
{
    public static IReadOnlyList<HostSpec> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hosts = new List<HostSpec>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string raw in text.Split(','))
        {
            string item = raw.Trim();
            if (item.Length == 0)
                throw Failure($"empty host in '{text}'");
            int colon = item.LastIndexOf(':');
            string name = colon < 0 ? item : item[..colon];
            int slots = 1;
            if (colon >= 0 && (!int.TryParse(item[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out slots) || slots < 1))
                throw Failure($"bad slot count in '{item}': expected host:N with N a whole number, at least 1");
            if (!HostNames.IsValid(name))
                throw Failure($"'{name}' is not a host name");
            if (!seen.Add(name))
                throw Failure($"host '{name}' is listed twice");
            hosts.Add(new HostSpec(name, slots));
        }
        return hosts;
    }

    private static LauncherException Failure(string message) => new($"--host: {message}", ExitCodes.Usage);
}
