using System.Text.RegularExpressions;
using HpcMsg.Tests.Infrastructure;
using HpcMsg.Tests.Network;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Ofi;

/// <summary>
/// The endpoint wrapper between two real processes: a tagged ping-pong of 0 B, 8 B, 64 KiB and 4 MiB
/// with net and tcp;ofi_rxm, every byte checked on both sides, on loopback sleeping on the CQ's wait
/// fd, and across the network namespaces hpcA and hpcB (10.213.0.1 and .2 on a bridge).
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class OfiPingPongTests(ITestOutputHelper log)
{
    internal static readonly int[] Sizes = [0, 8, 64 << 10, 4 << 20];

    [OfiTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void Two_processes_ping_pong_tagged_messages_on_loopback_sleeping_on_the_wait_fd(string provider)
    {
        string client = OfiPeers.Run(log, provider, new(null, "127.0.0.1"), new(null, "127.0.0.1"), "fd", 5, Sizes);
        AssertEverySizeReported(client);
    }

    internal static void AssertEverySizeReported(string client)
    {
        foreach (int size in Sizes)
            Assert.Matches(new Regex($@"^size {size} repetitions \d+ median_one_way_us [0-9.]+ mean_one_way_us [0-9.]+$", RegexOptions.Multiline), client);
    }
}

/// <summary>The same ping-pong with server and client on two hosts: the namespaces hpcA and hpcB.</summary>
[Collection(JobsCollection.Name)]
public sealed class OfiNetnsPingPongTests(ITestOutputHelper log) : IClassFixture<NetworkNamespaces>
{
    [NetnsTheory]
    [InlineData("net")]
    [InlineData("tcp;ofi_rxm")]
    public void Two_hosts_ping_pong_tagged_messages_across_the_bridge(string provider)
    {
        Assert.True(OfiSupport.WhyNoLibrary is null, $"libfabric is needed here: {OfiSupport.WhyNoLibrary}");
        string client = OfiPeers.Run(log, provider,
            new OfiPeers.Side("hpcA", NetworkNamespaces.AddressOf("hpcA")), new OfiPeers.Side("hpcB", NetworkNamespaces.AddressOf("hpcB")),
            "spin", 5, OfiPingPongTests.Sizes);
        OfiPingPongTests.AssertEverySizeReported(client);
    }
}
