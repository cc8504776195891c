using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class LauncherCommandLineTests
{
    private const int Slots = 4;

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["HOME"] = "/home/me",
        ["OMP_NUM_THREADS"] = "2",
    };

    private static ParseOutcome Parse(params string[] args) =>
        LauncherCommandLine.Parse(args, Slots, name => Environment.GetValueOrDefault(name));

    private static LauncherOptions Launch(params string[] args)
    {
        ParseOutcome outcome = Parse(args);
        var launch = Assert.IsType<LaunchRequested>(outcome, exactMatch: false);
        return launch.Options;
    }

    private static string Error(params string[] args)
    {
        ParseOutcome outcome = Parse(args);
        return Assert.IsType<UsageError>(outcome).Message;
    }

    [Fact]
    public void MinimalCommandLineTakesDefaults()
    {
        LauncherOptions o = Launch("-n", "2", "app.dll");
        Assert.Equal(2, o.Np);
        Assert.Equal(Slots, o.Slots);
        Assert.False(o.Oversubscribe);
        Assert.False(o.TagOutput);
        Assert.Empty(o.ForwardedEnvironment);
        Assert.Null(o.TimeoutSeconds);
        Assert.Equal(BindMode.None, o.BindTo);
        Assert.Equal("app.dll", o.Target);
        Assert.Empty(o.AppArguments);
        Assert.False(o.IsOversubscribed);
    }

    [Theory]
    [InlineData("-n", "3")]
    [InlineData("-n3")]
    [InlineData("--np", "3")]
    [InlineData("--np=3")]
    public void EveryFormOfNpIsAccepted(params string[] npArgs)
    {
        Assert.Equal(3, Launch([.. npArgs, "app.dll"]).Np);
    }

    [Fact]
    public void AllOptionsTogether()
    {
        LauncherOptions o = Launch("--np", "8", "--oversubscribe", "--tag-output", "-x", "A=1", "--timeout", "2.5",
            "--bind-to", "core", "./app", "in.txt");
        Assert.Equal(8, o.Np);
        Assert.True(o.Oversubscribe);
        Assert.True(o.IsOversubscribed);
        Assert.True(o.TagOutput);
        Assert.Equal([new KeyValuePair<string, string>("A", "1")], o.ForwardedEnvironment);
        Assert.Equal(2.5, o.TimeoutSeconds);
        Assert.Equal(BindMode.Core, o.BindTo);
        Assert.Equal("./app", o.Target);
        Assert.Equal(["in.txt"], o.AppArguments);
    }

    [Fact]
    public void LongOptionsAcceptEqualsForm()
    {
        LauncherOptions o = Launch("--np=2", "--timeout=10", "--bind-to=none", "app.dll");
        Assert.Equal(10, o.TimeoutSeconds);
        Assert.Equal(BindMode.None, o.BindTo);
    }

    [Fact]
    public void ExportWithValueForwardsThatValue()
    {
        var env = Launch("-n", "1", "-x", "FOO=bar", "app.dll").ForwardedEnvironment;
        Assert.Equal([new KeyValuePair<string, string>("FOO", "bar")], env);
    }

    [Fact]
    public void ExportWithoutValueTakesHpcrunsOwn()
    {
        var env = Launch("-n", "1", "-x", "OMP_NUM_THREADS", "app.dll").ForwardedEnvironment;
        Assert.Equal([new KeyValuePair<string, string>("OMP_NUM_THREADS", "2")], env);
    }

    [Fact]
    public void ExportIsRepeatableAndKeepsOrder()
    {
        var env = Launch("-n", "1", "-x", "A=1", "-xHOME", "-x", "B=", "app.dll").ForwardedEnvironment;
        Assert.Equal(
            [new("A", "1"), new("HOME", "/home/me"), new KeyValuePair<string, string>("B", "")],
            env);
    }

    [Fact]
    public void ExportValueMayContainEqualsAndDashes()
    {
        var env = Launch("-n", "1", "-x", "OPTS=-a=b --c", "app.dll").ForwardedEnvironment;
        Assert.Equal([new KeyValuePair<string, string>("OPTS", "-a=b --c")], env);
    }

    [Fact]
    public void ExportOfUnsetVariableIsAnErrorNamingIt()
    {
        string message = Error("-n", "1", "-x", "NOT_SET_ANYWHERE", "app.dll");
        Assert.Contains("NOT_SET_ANYWHERE", message, StringComparison.Ordinal);
        Assert.Contains("not set", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=value")]
    [InlineData("")]
    public void ExportWithoutNameIsAnError(string value)
    {
        Assert.Contains("-x", Error("-n", "1", "-x", value, "app.dll"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HPCMSG_RANK=3")]
    [InlineData("HPCMSG_SHM")]
    public void ExportOfLauncherVariablesIsRefused(string value)
    {
        Assert.Contains("HPCMSG_", Error("-n", "1", "-x", value, "app.dll"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--frob")]
    [InlineData("-q")]
    [InlineData("--host-file")]
    public void UnknownOptionIsAnErrorNamingIt(string option)
    {
        string message = Error("-n", "2", option, "app.dll");
        Assert.Contains("unknown option", message, StringComparison.Ordinal);
        Assert.Contains(option, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("2.5")]
    [InlineData("+2")]
    [InlineData(" 2")]
    [InlineData("99999999999")]
    public void BadNpIsAnErrorQuotingTheValue(string np)
    {
        string message = Error("-n", np, "app.dll");
        Assert.Contains("-n/--np", message, StringComparison.Ordinal);
        Assert.Contains($"'{np}'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void NpEqualsEmptyIsAnError()
    {
        Assert.Contains("-n/--np", Error("--np=", "app.dll"), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingNpIsAnError()
    {
        Assert.Contains("-n N", Error("app.dll"), StringComparison.Ordinal);
        Assert.Contains("-n N", Error("--tag-output", "app.dll"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-n")]
    [InlineData("--np")]
    [InlineData("--timeout")]
    [InlineData("--bind-to")]
    [InlineData("-x")]
    public void OptionWithoutItsValueIsAnError(string option)
    {
        string message = Error(option);
        Assert.Contains(option, message, StringComparison.Ordinal);
        Assert.Contains("needs a value", message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingTargetIsAnError()
    {
        Assert.Contains("no program", Error("-n", "2"), StringComparison.Ordinal);
        Assert.Contains("no program", Error("-n", "2", "--"), StringComparison.Ordinal);
    }

    [Fact]
    public void MoreRanksThanSlotsIsRefusedNamingBothNumbersAndTheRemedy()
    {
        string message = Error("-n", "5", "app.dll");
        Assert.Contains("5 ranks", message, StringComparison.Ordinal);
        Assert.Contains("4 slots", message, StringComparison.Ordinal);
        Assert.Contains("--oversubscribe", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExactlyAsManyRanksAsSlotsNeedsNoFlag()
    {
        LauncherOptions o = Launch("-n", "4", "app.dll");
        Assert.False(o.IsOversubscribed);
    }

    [Fact]
    public void OversubscribeAllowsMoreRanksThanSlots()
    {
        LauncherOptions o = Launch("-n", "16", "--oversubscribe", "app.dll");
        Assert.Equal(16, o.Np);
        Assert.True(o.IsOversubscribed);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("soon")]
    [InlineData("1e3")]
    [InlineData("NaN")]
    [InlineData("99999999")]
    public void BadTimeoutIsAnError(string timeout)
    {
        string message = Error("-n", "1", "--timeout", timeout, "app.dll");
        Assert.Contains("--timeout", message, StringComparison.Ordinal);
        Assert.Contains($"'{timeout}'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("socket")]
    [InlineData("Core")]
    [InlineData("")]
    public void BadBindToIsAnError(string bind)
    {
        string message = Error("-n", "1", $"--bind-to={bind}", "app.dll");
        Assert.Contains("--bind-to", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AppArgumentsThatLookLikeOptionsGoToTheApp()
    {
        LauncherOptions o = Launch("-n", "2", "--tag-output", "app.dll", "-n", "7", "--timeout", "x", "--help", "-x", "--", "-");
        Assert.Equal(2, o.Np);
        Assert.Null(o.TimeoutSeconds);
        Assert.Equal("app.dll", o.Target);
        Assert.Equal(["-n", "7", "--timeout", "x", "--help", "-x", "--", "-"], o.AppArguments);
    }

    [Fact]
    public void DoubleDashEndsOptionsSoTheTargetMayStartWithADash()
    {
        LauncherOptions o = Launch("-n", "1", "--", "-weird-name", "--flag");
        Assert.Equal("-weird-name", o.Target);
        Assert.Equal(["--flag"], o.AppArguments);
    }

    [Fact]
    public void HelpAndVersionAreInformationNotErrors()
    {
        string help = Assert.IsType<InfoRequested>(Parse("--help")).Text;
        Assert.Contains("usage: hpcrun", help, StringComparison.Ordinal);
        Assert.Contains("--oversubscribe", help, StringComparison.Ordinal);
        Assert.Contains("--bind-to", help, StringComparison.Ordinal);
        Assert.Contains("usage: hpcrun", Assert.IsType<InfoRequested>(Parse("-h")).Text, StringComparison.Ordinal);
        Assert.StartsWith("hpcrun ", Assert.IsType<InfoRequested>(Parse("--version")).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpAfterTheTargetBelongsToTheApp()
    {
        Assert.Equal(["--help"], Launch("-n", "1", "app.dll", "--help").AppArguments);
    }
}
