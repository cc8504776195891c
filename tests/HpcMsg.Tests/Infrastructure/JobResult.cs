using System.Text;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>What a finished job did. <see cref="ToString"/> gives everything an assertion message needs.</summary>
public sealed record JobResult(string CommandLine, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    private const int MaxShown = 6000;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine($"command: {CommandLine}");
        text.AppendLine($"exit code: {ExitCode}, after {Elapsed.TotalSeconds:F1} s");
        text.AppendLine("--- stdout ---").AppendLine(Tail(Stdout));
        text.AppendLine("--- stderr ---").AppendLine(Tail(Stderr));
        return text.ToString();
    }

    private static string Tail(string s) => s.Length <= MaxShown ? s : $"[... {s.Length - MaxShown} chars ...]{s[^MaxShown..]}";
}
