using System.Diagnostics;

namespace HpcRun;

/// <summary>The program each rank runs, with the arguments that come before the app's own.</summary>
internal sealed record LaunchCommand(string FileName, IReadOnlyList<string> Arguments);

/// <summary>
/// Turns the target the user named (an app.dll, a project folder, an executable) into a command line,
/// building the project first when given a folder.
/// </summary>
internal static class TargetResolver
{
    /// <summary>Ranks run on the dotnet host that runs hpcrun when there is one, so that a repo-local or
    /// side-by-side SDK is used consistently; as an installed tool hpcrun runs from its apphost instead.</summary>
    public static string DotnetHost
    {
        get
        {
            string? self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }

    public static LaunchCommand Resolve(string target, IReadOnlyList<string> appArguments, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(appArguments);
        if (Directory.Exists(target))
            return DotnetDll(BuildProject(FindProject(target), cancel), appArguments);
        if (target.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(target))
                throw new LauncherException($"{target}: no such file", ExitCodes.Usage);
            return DotnetDll(Path.GetFullPath(target), appArguments);
        }
        return new LaunchCommand(FindExecutable(target), appArguments);
    }

    private static LaunchCommand DotnetDll(string dll, IReadOnlyList<string> appArguments) =>
        new(DotnetHost, [dll, .. appArguments]);

    private static string FindProject(string folder)
    {
        string[] projects = Directory.GetFiles(folder, "*.csproj");
        return projects.Length switch
        {
            1 => Path.GetFullPath(projects[0]),
            0 => throw new LauncherException($"{folder}: no *.csproj in this folder", ExitCodes.Usage),
            _ => throw new LauncherException(
                $"{folder}: {projects.Length} project files ({string.Join(", ", projects.Select(Path.GetFileName))}); " +
                "name the built .dll instead", ExitCodes.Usage),
        };
    }

    /// <summary>Builds in Release and returns the built dll. Silent unless the build fails, so that the
    /// job's output is the app's output.</summary>
    private static string BuildProject(string csproj, CancellationToken cancel)
    {
        // -nodeReuse:false: MSBuild worker nodes would otherwise outlive hpcrun by minutes.
        var build = RunDotnet(["build", csproj, "-c", "Release", "-nologo", "-v", "q", "-nodeReuse:false"], cancel);
        if (build.ExitCode != 0)
        {
            Console.Error.Write(build.Output);
            throw new LauncherException($"building {csproj} failed (dotnet build exited with code {build.ExitCode})");
        }
        var query = RunDotnet(["msbuild", csproj, "-getProperty:TargetPath", "-p:Configuration=Release", "-nologo", "-nodeReuse:false"], cancel);
        string dll = query.StandardOutput.Trim();
        if (query.ExitCode != 0 || dll.Length == 0 || !File.Exists(dll))
        {
            Console.Error.Write(query.Output);
            throw new LauncherException($"cannot tell where {csproj} was built to (is it a single-target console app?)");
        }
        return dll;
    }

    private sealed record ToolRun(int ExitCode, string StandardOutput, string Output);

    private static ToolRun RunDotnet(IReadOnlyList<string> arguments, CancellationToken cancel)
    {
        var psi = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)
            ?? throw new LauncherException($"cannot start {DotnetHost}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancel);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancel);
        try
        {
            process.WaitForExitAsync(cancel).GetAwaiter().GetResult();
            return new ToolRun(process.ExitCode, stdout.GetAwaiter().GetResult(),
                stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            throw;
        }
    }

    private static string FindExecutable(string target)
    {
        if (target.Contains('/', StringComparison.Ordinal) || File.Exists(target))
        {
            string full = Path.GetFullPath(target);
            if (!File.Exists(full)) throw new LauncherException($"{target}: no such file", ExitCodes.Usage);
            if (!IsExecutable(full))
                throw new LauncherException($"{target}: not executable (and not a .dll or a project folder)", ExitCodes.Usage);
            return full;
        }
        // A bare name is looked up on PATH, as a shell (and mpirun) would.
        string? path = Environment.GetEnvironmentVariable("PATH");
        foreach (string dir in (path ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, target);
            if (File.Exists(candidate) && IsExecutable(candidate)) return candidate;
        }
        throw new LauncherException($"{target}: no such file, folder or command", ExitCodes.Usage);
    }

    private static bool IsExecutable(string file) =>
        OperatingSystem.IsWindows() ||
        (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
