using System.Buffers;

namespace HpcRun;

/// <summary>What may name a host: a DNS name, an IPv4 address, or either after "user@" (as ssh takes it).</summary>
internal static class HostNames
{
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_@");

    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 255 && !name.AsSpan().ContainsAnyExcept(Allowed)
        && name[0] is not ('-' or '.' or '@') && name.Count(c => c == '@') <= 1 && name[^1] != '@';

    /// <summary>The machine part of "user@host".</summary>
    public static string MachinePart(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int at = name.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? name : name[(at + 1)..];
    }
}
