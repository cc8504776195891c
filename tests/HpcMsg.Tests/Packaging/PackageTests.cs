using System.Text.RegularExpressions;
using System.Xml.Linq;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Packaging;

/// <summary>
/// What a user outside this repository does: `dotnet pack` at the root gives the HpcMsg, HpcRun and
/// HpcMsg.Templates packages of one version; into an empty HOME, with nothing but that folder as a
/// package source, the template and the tool install, `dotnet new hpcmsg` makes an app that builds
/// against the HpcMsg package (not the project), and the tool's hpcrun runs it on 4 ranks.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class PackageTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hpcmsg-package-test-").FullName;

    [Fact]
    public void A_user_installs_the_template_and_the_tool_builds_an_app_against_the_package_and_runs_it_on_4_ranks()
    {
        string feed = Path.Combine(_root, "feed"), home = Path.Combine(_root, "home"), work = Path.Combine(_root, "work");
        Directory.CreateDirectory(home);
        Directory.CreateDirectory(work);
        string version = RepositoryVersion();

        Run(RepositoryRoot.Path, "pack", "-c", "Release", "-o", feed, "-nologo");
        foreach (string package in new[] { "HpcMsg", "HpcRun", "HpcMsg.Templates" })
            Assert.True(File.Exists(Path.Combine(feed, $"{package}.{version}.nupkg")), $"dotnet pack made no {package}.{version}.nupkg in {feed}: {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");
        Assert.True(File.Exists(Path.Combine(feed, $"HpcMsg.{version}.snupkg")), "dotnet pack made no symbols package for HpcMsg");

        // The folder feed is the only source: nothing may come from elsewhere.
        File.WriteAllText(Path.Combine(_root, "nuget.config"),
            $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        var user = new Dictionary<string, string?>
        {
            ["HOME"] = home, ["DOTNET_CLI_HOME"] = home, ["NUGET_PACKAGES"] = null,
            // hpcrun builds the app folder: no build server of its may outlive the test either.
            ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0", ["UseSharedCompilation"] = "false",
        };

        Run(_root, user, "new", "install", Path.Combine(feed, $"HpcMsg.Templates.{version}.nupkg"));
        Run(_root, user, "tool", "install", "-g", "HpcRun", "--version", version, "--configfile", Path.Combine(_root, "nuget.config"));
        string hpcrun = Path.Combine(home, ".dotnet", "tools", "hpcrun");
        Assert.True(File.Exists(hpcrun), $"the tool's hpcrun is not at {hpcrun}");

        Run(work, user, "new", "hpcmsg", "-n", "MyApp");
        string app = Path.Combine(work, "MyApp");
        string project = File.ReadAllText(Path.Combine(app, "MyApp.csproj"));
        Assert.Contains($"<PackageReference Include=\"HpcMsg\" Version=\"{version}\" />", project, StringComparison.Ordinal);
        Run(app, user, "build", "-nologo");
        string assets = File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"));
        Assert.True(PackageEntry(version).IsMatch(assets),
            $"MyApp's restore did not take HpcMsg {version} as a package:\n{assets[..Math.Min(assets.Length, 2000)]}");

        // The package's buildTransitive settings reach the app's runtimeconfig (see HpcMsg.props).
        string runtimeConfig = File.ReadAllText(Directory.GetFiles(Path.Combine(app, "bin"), "MyApp.runtimeconfig.json", SearchOption.AllDirectories).Single());
        Assert.Contains("\"System.Runtime.TieredPGO\": false", runtimeConfig, StringComparison.Ordinal);
        Assert.Contains("\"System.Runtime.TieredCompilation.QuickJitForLoops\": false", runtimeConfig, StringComparison.Ordinal);

        JobResult result = JobRunner.Run(new JobSpec(4, "") { Launcher = hpcrun, Program = app, Environment = user }, log);
        JobAssert.ExitedWith(result, 0);
        Assert.True(result.Stdout.Contains("MyApp: the sum of 1..1000000 over 4 ranks is 500000500000 (right)", StringComparison.Ordinal),
            $"expected MyApp's line about 4 ranks\n{result}");
    }

    /// <summary>The restore's entry for HpcMsg of <paramref name="version"/>, of type package (a project reference would say "project").</summary>
    private static Regex PackageEntry(string version) => new($"\"HpcMsg/{Regex.Escape(version)}\":\\s*\\{{\\s*\"type\":\\s*\"package\"");

    /// <summary>The one version of the packages, from Directory.Build.props.</summary>
    private static string RepositoryVersion()
    {
        XDocument props = XDocument.Load(Path.Combine(RepositoryRoot.Path, "Directory.Build.props"));
        string? version = props.Descendants("Version").SingleOrDefault()?.Value;
        Assert.False(string.IsNullOrWhiteSpace(version), "Directory.Build.props sets no <Version>");
        return version;
    }

    private void Run(string directory, params string[] args) => DotnetCommand.Run(log, directory, args);

    private void Run(string directory, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        DotnetCommand.Run(log, directory, environment, args);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
