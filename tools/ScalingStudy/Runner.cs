using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace HpcMsg.ScalingStudy;

/// <summary>Finds the launcher and the example, builds the example once, and runs it under hpcrun.</summary>
public sealed partial class Runner(string hpcRun, IReadOnlyList<string> hpcRunArgs, int timeoutSeconds)
{
    [GeneratedRegex(@"^TIME_S\s+(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex TimeLine();

    /// <summary>The checkout this is run from: the nearest folder upwards from the current directory
    /// (then from this program's own folder) that holds HpcMsg.sln and hpcrun.</summary>
    public static string? FindCheckout()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "HpcMsg.sln")) && File.Exists(Path.Combine(d.FullName, "hpcrun")))
                    return d.FullName;
        }
        return null;
    }

    /// <summary>The example's name and what to build (null for a dll) or run.</summary>
    public static (string Name, string? Project, string? Dll) ResolveExample(string example, string? checkout)
    {
        if (example.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(example)) throw new StudyException($"{example}: no such file");
            return (Path.GetFileNameWithoutExtension(example), null, Path.GetFullPath(example));
        }
        string? folderOrProject = null;
        if (File.Exists(example) && example.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)) folderOrProject = example;
        else if (Directory.Exists(example) && Directory.GetFiles(example, "*.csproj").Length > 0) folderOrProject = example;
        else if (checkout != null && Directory.Exists(Path.Combine(checkout, "examples", example))) folderOrProject = Path.Combine(checkout, "examples", example);
        if (folderOrProject == null)
            throw new StudyException($"example '{example}' not found: give a name under examples/ (run from the checkout), a project folder, a .csproj or a .dll");
        string project = Directory.Exists(folderOrProject)
            ? Directory.GetFiles(folderOrProject, "*.csproj") is [string only] ? only : throw new StudyException($"{folderOrProject}: expected exactly one .csproj")
            : folderOrProject;
        return (Path.GetFileNameWithoutExtension(project), Path.GetFullPath(project), null);
    }

    /// <summary>Builds the project in Release and returns its dll.</summary>
    public static string Build(string project)
    {
        Console.WriteLine($"building {project} (Release)");
        (int code, string output) = Capture("dotnet", ["build", project, "-c", "Release", "-nologo", "-v", "q", "-nodeReuse:false"], null);
        if (code != 0) throw new StudyException($"building {project} failed:\n{output}");
        (code, output) = Capture("dotnet", ["msbuild", project, "-getProperty:TargetPath", "-p:Configuration=Release", "-nologo", "-nodeReuse:false"], null);
        string dll = output.Trim();
        if (code != 0 || !File.Exists(dll)) throw new StudyException($"could not find what {project} builds:\n{output}");
        return dll;
    }

    /// <summary>One job; returns the example's TIME_S, or throws with the job's output.</summary>
    public double Run(string dll, int ranks, bool oversubscribe, IReadOnlyList<string> exampleArgs)
    {
        var args = new List<string> { "-n", ranks.ToString(CultureInfo.InvariantCulture) };
        if (oversubscribe) args.Add("--oversubscribe");
        args.AddRange(["--timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(hpcRunArgs);
        args.Add(dll);
        args.AddRange(exampleArgs);
        // A launcher given as HpcRun.dll runs on the dotnet host.
        (string program, List<string> programArgs) = hpcRun.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? (DotnetHost, [hpcRun, .. args])
            : (hpcRun, args);
        (int code, string output) = Capture(program, programArgs, TimeSpan.FromSeconds(timeoutSeconds + 60));
        string command = $"{program} {string.Join(' ', programArgs)}";
        if (code != 0)
            throw new StudyException($"'{command}' exited with code {code}:\n{output}");
        Match m = TimeLine().Match(output);
        if (!m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
            throw new StudyException($"'{command}' printed no 'TIME_S <seconds>' line:\n{output}");
        return seconds;
    }

    /// <summary>The dotnet host running this tool (set by the dotnet CLI), else "dotnet" from PATH.</summary>
    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Runs a program to its end; stdout and stderr together.</summary>
    private static (int ExitCode, string Output) Capture(string program, IEnumerable<string> args, TimeSpan? limit)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) info.ArgumentList.Add(a);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new StudyException($"could not start {program}: {e.Message}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(limit ?? Timeout.InfiniteTimeSpan))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new StudyException($"{program} {string.Join(' ', args)} did not finish within {limit?.TotalSeconds:F0} s");
        }
        process.WaitForExit(); // drains the asynchronous readers
        lock (output) return (process.ExitCode, output.ToString());
    }

    /// <summary>Splits a string of arguments at spaces, keeping "quoted parts" together.</summary>
    public static List<string> SplitArgs(string text)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        bool inQuotes = false, any = false;
        foreach (char c in text)
        {
            if (c == '"') { inQuotes = !inQuotes; any = true; }
            else if (char.IsWhiteSpace(c) && !inQuotes)
            {
                if (any) result.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else { current.Append(c); any = true; }
        }
        if (inQuotes) throw new StudyException($"unbalanced quote in '{text}'");
        if (any) result.Add(current.ToString());
        return result;
    }
}

public sealed class StudyException(string message) : Exception(message);
