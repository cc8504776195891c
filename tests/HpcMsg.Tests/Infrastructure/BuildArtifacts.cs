namespace HpcMsg.Tests.Infrastructure;

/// <summary>Where the launcher and the test app are: next to the test assembly, where the project
/// references copy them (with their runtimeconfig.json, so that <c>dotnet X.dll</c> runs them).</summary>
public static class BuildArtifacts
{
    public static string HpcRunDll => Require("HpcRun.dll");
    public static string TestAppDll => Require("HpcMsg.TestApp.dll");

    /// <summary>The dotnet host running these tests (set by the dotnet CLI), else "dotnet" from PATH.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string Require(string fileName)
    {
        string path = Path.Combine(AppContext.BaseDirectory, fileName);
        string runtimeConfig = Path.ChangeExtension(path, ".runtimeconfig.json");
        if (!File.Exists(path) || !File.Exists(runtimeConfig))
            throw new FileNotFoundException($"{fileName} (and its .runtimeconfig.json) must be in the test output directory {AppContext.BaseDirectory}; is the ProjectReference in HpcMsg.Tests.csproj missing?", path);
        return path;
    }
}
