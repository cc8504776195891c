using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class ArgumentSplitterTests
{
    [Fact]
    public void SplitsAtTheFirstNonOption()
    {
        SplitArguments s = ArgumentSplitter.Split(["-n", "4", "--tag-output", "app.dll", "-n", "1", "--tag-output"]);
        Assert.Equal(["-n4", "--tag-output"], s.LauncherArguments);
        Assert.Equal("app.dll", s.Target);
        Assert.Equal(["-n", "1", "--tag-output"], s.AppArguments);
    }

    [Fact]
    public void ValuesAreGluedToTheirOptionSoADashValueStaysAValue()
    {
        SplitArguments s = ArgumentSplitter.Split(["--np", "-3", "-x", "-A", "--timeout", "5", "--bind-to", "core", "a"]);
        Assert.Equal(["--np=-3", "-x-A", "--timeout=5", "--bind-to=core"], s.LauncherArguments);
        Assert.Equal("a", s.Target);
    }

    [Fact]
    public void AnOptionsValueIsNeverTakenForTheTarget()
    {
        SplitArguments s = ArgumentSplitter.Split(["-x", "app.dll", "real.dll"]);
        Assert.Equal("real.dll", s.Target);
    }

    [Fact]
    public void AttachedAndEqualsFormsPassThrough()
    {
        SplitArguments s = ArgumentSplitter.Split(["-n2", "--np=3", "-xA=1", "app"]);
        Assert.Equal(["-n2", "--np=3", "-xA=1"], s.LauncherArguments);
    }

    [Fact]
    public void NoTarget()
    {
        SplitArguments s = ArgumentSplitter.Split(["-n", "2", "--oversubscribe"]);
        Assert.Null(s.Target);
        Assert.Empty(s.AppArguments);
    }

    [Fact]
    public void LoneDashIsATarget()
    {
        Assert.Equal("-", ArgumentSplitter.Split(["-n", "1", "-", "x"]).Target);
    }

    [Fact]
    public void EmptyValueIsRefused()
    {
        var e = Assert.Throws<LauncherException>(() => ArgumentSplitter.Split(["-n", "", "app"]));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }
}
