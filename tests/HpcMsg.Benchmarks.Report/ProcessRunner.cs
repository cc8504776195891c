using System.Diagnostics;
using System.Text;

namespace HpcMsg.Benchmarks.Report;

/// <summary>Runs a program to its end (or its time limit) and keeps stdout and stderr apart.</summary>
public static class ProcessRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, double Seconds, bool TimedOut);

    public static Result Run(string program, IEnumerable<string> args, TimeSpan limit)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) info.ArgumentList.Add(a);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
        long start = Stopwatch.GetTimestamp();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ReportException($"could not start {program}: {e.Message}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool timedOut = !process.WaitForExit(limit);
        if (timedOut)
        {
            process.Kill(entireProcessTree: true);
        }
        process.WaitForExit(); // drains the asynchronous readers
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        lock (stdout)
        lock (stderr)
            return new Result(timedOut ? 124 : process.ExitCode, stdout.ToString(), stderr.ToString(), seconds, timedOut);
    }

    public static string Describe(string program, IEnumerable<string> args) =>
        string.Join(' ', new[] { program }.Concat(args).Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
}
