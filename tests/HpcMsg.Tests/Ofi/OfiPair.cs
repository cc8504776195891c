using System.Diagnostics;
using HpcMsg.Transports;
using HpcMsg.Transports.Ofi;

namespace HpcMsg.Tests.Ofi;

/// <summary>Driving two libfabric transports of one process by hand: retrying a send that found no
/// room and pumping both until a condition holds, each bounded in time.</summary>
internal static class OfiPair
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    public delegate SendOutcome Send();

    public static SendOutcome Retry(OfiTransport a, OfiTransport b, Send send)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            SendOutcome o = send();
            if (o != SendOutcome.NoRoom) return o;
            a.Progress();
            b.Progress();
            Assert.True(clock.Elapsed < Limit, "the transport had no room for the send within the limit");
        }
    }

    public static void Pump(OfiTransport a, OfiTransport b, Func<bool> until)
    {
        var clock = Stopwatch.StartNew();
        while (!until())
        {
            a.Progress();
            b.Progress();
            Assert.True(clock.Elapsed < Limit, "nothing arrived within the limit");
        }
    }

    /// <summary>Rank <paramref name="rank"/>'s transport over <paramref name="endpoint"/> in a job of
    /// <paramref name="size"/> ranks, each on its own host, whose addresses are <paramref name="annex"/>.</summary>
    public static OfiTransport Make(OfiEndpoint endpoint, int rank, string[] annex, ulong key = 0, int size = 2) =>
        new(endpoint, new OfiJobLinks(r => Task.FromResult<string?>(annex[r]), () => null, _ => { }, new Nothing(), JobKey: key), rank, size, 64 * 1024, r => r != rank);

    /// <summary>Ranks 0 and 1 of one job (key <paramref name="key"/>), each with its own endpoint of
    /// <paramref name="provider"/> on the loopback address and its transport.</summary>
    public static Job OpenJob(string provider, ulong key)
    {
        OfiEndpoint ea = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 2);
        OfiEndpoint eb = OfiEndpoint.Open(OfiLibrary.Shared, provider, "127.0.0.1", peers: 2);
        string[] annex = [OfiTransport.Annex(ea), OfiTransport.Annex(eb)];
        return new Job(ea, eb, Make(ea, 0, annex, key), Make(eb, 1, annex, key));
    }

    /// <summary>Two ranks' endpoints and transports (<see cref="OpenJob"/>).</summary>
    public sealed record Job(OfiEndpoint Ea, OfiEndpoint Eb, OfiTransport A, OfiTransport B);

    /// <summary>The job's TCP mesh stand-in: nothing to dispose.</summary>
    public sealed class Nothing : IDisposable
    {
        public void Dispose() { }
    }
}
