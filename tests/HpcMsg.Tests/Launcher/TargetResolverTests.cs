using HpcRun;

namespace HpcMsg.Tests.Launcher;

/// <summary>Only the cases that start nothing: building a project folder is covered by running hpcrun.</summary>
public sealed class TargetResolverTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hpcrun-target-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static LauncherException Refused(string target) =>
        Assert.Throws<LauncherException>(() => TargetResolver.Resolve(target, [], CancellationToken.None));

    [Fact]
    public void DllRunsOnTheDotnetHostWithTheAppArgumentsAfterIt()
    {
        string dll = Path.Combine(_dir, "app.dll");
        File.WriteAllBytes(dll, []);
        LaunchCommand c = TargetResolver.Resolve(dll, ["-n", "x"], CancellationToken.None);
        Assert.Equal(TargetResolver.DotnetHost, c.FileName);
        Assert.Equal([dll, "-n", "x"], c.Arguments);
    }

    [Fact]
    public void MissingDllIsAUsageErrorNamingIt()
    {
        string dll = Path.Combine(_dir, "nope.dll");
        LauncherException e = Refused(dll);
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains(dll, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BareCommandIsFoundOnPath()
    {
        LaunchCommand c = TargetResolver.Resolve("sh", ["-c", "true"], CancellationToken.None);
        Assert.True(Path.IsPathRooted(c.FileName));
        Assert.Equal("sh", Path.GetFileName(c.FileName));
        Assert.Equal(["-c", "true"], c.Arguments);
    }

    [Fact]
    public void UnknownCommandIsAUsageErrorNamingIt()
    {
        LauncherException e = Refused("no-such-command-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        Assert.Contains("no-such-command-", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileWithoutExecutePermissionIsRefused()
    {
        string file = Path.Combine(_dir, "data.txt");
        File.WriteAllText(file, "x");
        Assert.Contains("not executable", Refused(file).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FolderWithoutProjectIsRefused()
    {
        Assert.Contains("no *.csproj", Refused(_dir).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FolderWithTwoProjectsIsRefusedNamingThem()
    {
        File.WriteAllText(Path.Combine(_dir, "A.csproj"), "<Project />");
        File.WriteAllText(Path.Combine(_dir, "B.csproj"), "<Project />");
        string message = Refused(_dir).Message;
        Assert.Contains("A.csproj", message, StringComparison.Ordinal);
        Assert.Contains("B.csproj", message, StringComparison.Ordinal);
    }
}
