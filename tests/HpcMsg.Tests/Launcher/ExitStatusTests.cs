using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class ExitStatusTests
{
    [Theory]
    [InlineData(1, "exited with code 1")]
    [InlineData(3, "exited with code 3")]
    [InlineData(128, "exited with code 128")]
    [InlineData(137, "was killed by signal 9 (SIGKILL)")]
    [InlineData(139, "was killed by signal 11 (SIGSEGV)")]
    [InlineData(134, "was killed by signal 6 (SIGABRT)")]
    [InlineData(143, "was killed by signal 15 (SIGTERM)")]
    [InlineData(158, "was killed by signal 30")]
    [InlineData(160, "exited with code 160")]
    [InlineData(255, "exited with code 255")]
    public void DescribesCodesAndSignals(int code, string expected)
    {
        Assert.Equal(expected, ExitStatus.Describe(code));
    }
}
