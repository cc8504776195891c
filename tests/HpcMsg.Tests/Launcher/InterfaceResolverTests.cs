using System.Net;
using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class InterfaceResolverTests
{
    private static IPAddress Ip(string s) => IPAddress.Parse(s);

    private static readonly LocalInterface[] Interfaces =
    [
        new("lo", true, true, [Ip("127.0.0.1")]),
        new("eth0", true, false, [Ip("192.0.2.2")]),
        new("down0", false, false, [Ip("10.9.0.1")]),
        new("hpcbr0", true, false, [Ip("10.213.0.254")]),
        new("veth0", true, false, []),
    ];

    private static IPAddress Resolve(string? iface, bool allLocal = false) => InterfaceResolver.Resolve(iface, allLocal, Interfaces);

    private static string Error(string? iface, IReadOnlyList<LocalInterface>? interfaces = null)
    {
        var e = Assert.Throws<LauncherException>(() => InterfaceResolver.Resolve(iface, false, interfaces ?? Interfaces));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
        return e.Message;
    }

    [Fact]
    public void DefaultIsTheFirstNonLoopbackAddressThatIsUp() => Assert.Equal(Ip("192.0.2.2"), Resolve(null));

    [Fact]
    public void DefaultIsLoopbackWhenEveryHostIsThisOne() => Assert.Equal(IPAddress.Loopback, Resolve(null, allLocal: true));

    [Fact]
    public void ARangePicksTheAddressInIt()
    {
        Assert.Equal(Ip("10.213.0.254"), Resolve("10.213.0.0/24"));
        Assert.Equal(Ip("10.213.0.254"), Resolve("10.0.0.0/8"));
    }

    [Fact]
    public void ANamePicksThatInterface() => Assert.Equal(Ip("10.213.0.254"), Resolve("hpcbr0"));

    [Fact]
    public void AnAddressOfThisHostIsAccepted() => Assert.Equal(Ip("192.0.2.2"), Resolve("192.0.2.2"));

    [Fact]
    public void ErrorsSayWhatThisHostHas()
    {
        Assert.Contains("no address of this host is in that range", Error("172.16.0.0/12"), StringComparison.Ordinal);
        Assert.Contains("eth0 192.0.2.2", Error("172.16.0.0/12"), StringComparison.Ordinal);
        Assert.Contains("no such network interface", Error("eth9"), StringComparison.Ordinal);
        Assert.Contains("has no IPv4 address", Error("veth0"), StringComparison.Ordinal);
        Assert.Contains("not an address of this host", Error("10.1.1.1"), StringComparison.Ordinal);
        // Down interfaces do not count.
        Assert.Contains("no address of this host", Error("10.9.0.0/16"), StringComparison.Ordinal);
        Assert.Contains("no non-loopback IPv4 address", Error(null, [Interfaces[0]]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0/8x")]
    [InlineData("fd00::/64")]
    [InlineData("two words")]
    public void BadSyntaxIsCaughtOnTheCommandLine(string iface)
    {
        Assert.Equal(ExitCodes.Usage, Assert.Throws<LauncherException>(() => InterfaceResolver.Validate(iface)).ExitCode);
    }

    [Fact]
    public void TheRealInterfacesCanBeRead()
    {
        Assert.Contains(LocalInterfaces.Snapshot(), i => i.IsLoopback);
    }
}
