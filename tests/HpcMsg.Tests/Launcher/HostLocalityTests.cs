using System.Net;
using HpcRun;

namespace HpcMsg.Tests.Launcher;

public sealed class HostLocalityTests
{
    private static readonly HostLocality Here = new("node1", [IPAddress.Parse("10.0.0.5"), IPAddress.Loopback]);

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.1.1")]
    [InlineData("node1")]
    [InlineData("Node1")]
    [InlineData("node1.cluster.example")]
    [InlineData("me@node1")]
    [InlineData("10.0.0.5")]
    public void ThisMachine(string host) => Assert.True(Here.IsLocal(host));

    [Theory]
    [InlineData("node2")]
    [InlineData("node10")]
    [InlineData("hpcA")]
    [InlineData("10.0.0.6")]
    [InlineData("anode1")]
    public void AnotherMachine(string host) => Assert.False(Here.IsLocal(host));
}
