using System.Globalization;

namespace HpcRun;

/// <summary>Reads <c>--host h1:2,h2:2</c>: comma-separated hosts, each with an optional slot count (default 1); a host named twice
/// has the slots of both.</summary>
internal static class HostListParser
{
    public static IReadOnlyList<HostSpec> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hosts = new List<HostSpec>();
        var indexOf = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
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
            // A host named again adds its slots (Open MPI's --host a,a is two slots on a).
            if (indexOf.TryGetValue(name, out int earlier)) hosts[earlier] = hosts[earlier].Plus(new HostSpec(name, slots));
            else
            {
                indexOf[name] = hosts.Count;
                hosts.Add(new HostSpec(name, slots));
            }
        }
        return hosts;
    }

    private static LauncherException Failure(string message) => new($"--host: {message}", ExitCodes.Usage);
}
