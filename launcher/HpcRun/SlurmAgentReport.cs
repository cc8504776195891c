using System.Globalization;
using System.Text;

namespace HpcRun;

/// <summary>
/// The lines a node agent writes on its stderr, among its ranks' output, for hpcrun to read through srun:
/// which step it runs in, and each rank's exit code once that rank's output has been written. They start
/// with an ASCII record separator, which text output does not, and hpcrun does not pass them on.
/// </summary>
internal static class SlurmAgentReport
{
    public const byte Mark = 0x1E;
    private const string Prefix = "\u001ehpcmsg-agent ";

    public static byte[] Exit(int rank, int code) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Prefix}exit {rank} {code}\n"));

    public static byte[] Step(string stepId) => Encoding.ASCII.GetBytes($"{Prefix}step {stepId}\n");

    public static byte[] Failure(string message) =>
        Encoding.UTF8.GetBytes($"{Prefix}failed {message.ReplaceLineEndings(" ")}\n");

    public abstract record Report;

    public sealed record Exited(int Rank, int Code) : Report;

    public sealed record InStep(string StepId) : Report;

    public sealed record Failed(string Message) : Report;

    /// <summary>The report in <paramref name="line"/> (without its newline), or null when it is output.</summary>
    public static Report? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!line.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        string[] f = line[Prefix.Length..].Split(' ', 2);
        switch (f[0])
        {
            case "exit":
                string[] n = f.Length > 1 ? f[1].Split(' ') : [];
                if (n.Length == 2 && int.TryParse(n[0], NumberStyles.None, CultureInfo.InvariantCulture, out int rank)
                    && int.TryParse(n[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int code))
                    return new Exited(rank, code);
                return null;
            case "step":
                return f.Length > 1 ? new InStep(f[1]) : null;
            case "failed":
                return new Failed(f.Length > 1 ? f[1] : "unknown failure");
            default:
                return null;
        }
    }
}
