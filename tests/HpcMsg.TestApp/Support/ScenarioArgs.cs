using System.Globalization;

namespace HpcMsg.TestApp.Support;

/// <summary>Reads a scenario's positional arguments with clear messages.</summary>
internal static class ScenarioArgs
{
    public static int Int(string[] args, int index, string name, int? fallback = null)
    {
        if (index >= args.Length)
        {
            if (fallback is int f) return f;
            Check.Fail($"missing argument <{name}>");
        }
        if (!int.TryParse(args[index], NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            Check.Fail($"argument <{name}> must be an integer, got '{args[index]}'");
        return value;
    }
}
