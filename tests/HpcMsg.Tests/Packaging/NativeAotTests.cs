using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Packaging;

/// <summary>
/// HpcMsg in a Native AOT program: the test app and the Pi example, published AOT (the library has
/// no trimming or AOT warning, see IsAotCompatible), run as native executables under hpcrun at np 4:
/// point-to-point, every collective, and object messages through a JsonTypeInfo.
/// </summary>
[Collection(JobsCollection.Name)] // publishing builds src/HpcMsg in Release, as the other packaging tests do
public sealed class NativeAotTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hpcmsg-aot-test-").FullName;

    [Fact]
    public void The_test_app_and_an_example_published_as_Native_AOT_run_under_hpcrun_at_np_4()
    {
        string testApp = Publish("tests/HpcMsg.TestApp/HpcMsg.TestApp.csproj", "HpcMsg.TestApp");
        foreach ((string scenario, string[] args) in new[] { ("basic", Array.Empty<string>()), ("collectives", ["quick"]), ("typed-objects", []), ("nonblocking", []), ("warm-up", ["0"]) })
            ScenarioJob.Passes(log, new JobSpec(4, scenario, args) { Program = testApp });

        string pi = Publish("examples/Pi/Pi.csproj", "Pi");
        JobResult result = JobRunner.Run(new JobSpec(4, "1000000") { Program = pi }, log);
        JobAssert.ExitedWith(result, 0);
        Assert.True(result.Stdout.Contains("on 4 ranks, 1000000 intervals", StringComparison.Ordinal) && result.Stdout.TrimEnd().EndsWith(": OK", StringComparison.Ordinal),
            $"expected Pi's OK line for 4 ranks\n{result}");
    }

    /// <summary>hpcrun itself published Native AOT, as ./hpcrun builds it where a C toolchain is present:
    /// its command line (CommandLineParser, whose reflection a DynamicDependency keeps) parses -n,
    /// --oversubscribe, -x and --timeout, and it runs a job of the test app (a dll, so through dotnet) at np 2.</summary>
    [Fact]
    public void The_launcher_published_as_Native_AOT_parses_options_and_runs_a_job()
    {
        string hpcrun = Publish("launcher/HpcRun/HpcRun.csproj", "HpcRun");
        ScenarioJob.Passes(log, new JobSpec(2, "basic")
        {
            Launcher = hpcrun,
            LauncherArgs = ["--oversubscribe", .. ScenarioJob.WithoutCrossMemoryAttach],
        });
    }

    /// <summary>Publishes <paramref name="project"/> as Native AOT and returns the native executable.</summary>
    private string Publish(string project, string name)
    {
        string output = Path.Combine(_root, name);
        DotnetCommand.Run(log, RepositoryRoot.Path, "publish", project, "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true",
            $"-p:CppCompilerAndLinker={NativeLinker()}", "-o", output, "-nologo");
        string executable = Path.Combine(output, name);
        Assert.True(File.Exists(executable), $"publishing {project} as Native AOT made no {executable}");
        Assert.False(File.Exists(Path.Combine(output, name + ".dll")), $"{output} holds {name}.dll: the publish was not Native AOT");
        return executable;
    }

    /// <summary>Native AOT links with clang: `clang` where installed under that name, else the newest
    /// clang-N (Debian's clang-14 package installs only the versioned name).</summary>
    private static string NativeLinker()
    {
        string[] path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        if (path.Any(d => File.Exists(Path.Combine(d, "clang")))) return "clang";
        string? versioned = path.Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "clang-*"))
            .Select(Path.GetFileName)
            .Where(f => f is not null && int.TryParse(f[6..], out _))
            .OrderByDescending(f => int.Parse(f![6..], System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        Assert.True(versioned is not null, "Native AOT needs clang to link, and neither clang nor clang-N is on PATH: apt-get install clang zlib1g-dev");
        return versioned;
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
