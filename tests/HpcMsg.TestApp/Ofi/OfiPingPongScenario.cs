using System.Diagnostics;
using System.Runtime.InteropServices;
using HpcMsg.TestApp.Support;
using HpcMsg.Transports.Ofi;

namespace HpcMsg.TestApp.Ofi;

/// <summary>
/// A tagged ping-pong between two plain processes over one libfabric provider, outside the engine (a
/// lone Init; the endpoint is the transport's wrapper): each side opens an endpoint bound to its
/// address, the names are swapped through a directory, then for every size the client sends, the server
/// checks tag, length and every byte and answers with its own pattern, which the client checks. Sizes up
/// to inject_size go out with fi_tinject. The client prints the median one-way time per size.
/// <c>fd</c> sleeps on the CQ's file descriptor between polls (and requires that it woke the process),
/// <c>spin</c> polls only.
/// </summary>
internal sealed unsafe class OfiPingPongScenario : IScenario
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public string Name => "ofi-pingpong";
    public string Arguments => "<server|client> <provider> <address> <exchange-dir> <fd|spin> <repetitions> <bytes>...";

    public Task RunAsync(Communicator world, string[] args)
    {
        Check.True(args.Length >= 7, $"usage: {Name} {Arguments}");
        bool server = args[0] == "server";
        string provider = args[1], address = args[2], directory = args[3];
        bool sleepOnFd = args[4] == "fd";
        int repetitions = int.Parse(args[5]);
        int[] sizes = [.. args[6..].Select(int.Parse)];

        using OfiEndpoint endpoint = OfiEndpoint.Open(OfiLibrary.Shared, provider, address, peers: 1);
        Console.WriteLine($"{args[0]}: {endpoint.Offer.Provider} on {endpoint.Offer.Domain} ({endpoint.Offer.Fabric}), "
            + $"max_msg_size {endpoint.Offer.MaxMessageSize}, inject_size {endpoint.Offer.InjectSize}, wait fd {endpoint.WaitFd}");
        if (sleepOnFd) Check.True(endpoint.WaitFd >= 0, $"{provider} gave no wait fd");
        ulong peer = endpoint.InsertPeer(OfiNameExchange.Swap(directory, args[0], server ? "client" : "server", endpoint.Name, Limit));

        int largest = Math.Max(1, sizes.Max());
        byte* send = (byte*)NativeMemory.AlignedAlloc((nuint)largest, 4096);
        byte* receive = (byte*)NativeMemory.AlignedAlloc((nuint)largest, 4096);
        var contexts = (FiContext2*)NativeMemory.AlignedAlloc((nuint)(2 * sizeof(FiContext2)), 64);
        // Registered where the provider asks for it (FI_MR_LOCAL) or HPCMSG_OFI_MR_LOCAL=1; else null regions.
        FidMr* sendRegion = endpoint.Register(send, (nuint)largest), receiveRegion = endpoint.Register(receive, (nuint)largest);
        try
        {
            var pump = new OfiCompletionPump(endpoint, sleepOnFd, Limit);
            var run = new Exchange(endpoint, pump, peer, send, receive, OfiEndpoint.Descriptor(sendRegion), OfiEndpoint.Descriptor(receiveRegion), contexts, server);
            for (int s = 0; s < sizes.Length; s++)
            {
                (double median, double mean) = run.Size(s, sizes[s], repetitions, last: s == sizes.Length - 1);
                if (!server) Console.WriteLine($"size {sizes[s]} repetitions {repetitions} median_one_way_us {median:F2} mean_one_way_us {mean:F2}");
            }
            Console.WriteLine($"{args[0]}: fd waits woken {pump.Woken}, timed out {pump.TimedOut}");
            if (sleepOnFd) Check.True(pump.Woken > 0, "the CQ's wait fd never woke the process");
        }
        finally
        {
            endpoint.Deregister(sendRegion);
            endpoint.Deregister(receiveRegion);
            NativeMemory.AlignedFree(send);
            NativeMemory.AlignedFree(receive);
            NativeMemory.AlignedFree(contexts);
        }
        return Task.CompletedTask;
    }

    /// <summary>One side of the exchange; source rank 0 is the server, 1 the client.</summary>
    private sealed class Exchange(OfiEndpoint endpoint, OfiCompletionPump pump, ulong peer, byte* send, byte* receive, void* sendDescriptor, void* receiveDescriptor, FiContext2* contexts, bool server)
    {
        private readonly int _me = server ? 0 : 1, _them = server ? 1 : 0;

        /// <summary>Returns the median and the mean one-way time (half the round trip), in microseconds;
        /// fi_pingpong reports the mean.</summary>
        public (double Median, double Mean) Size(int sizeIndex, int size, int repetitions, bool last)
        {
            int warmup = Math.Min(10, repetitions);
            var times = new double[repetitions];
            for (int i = -warmup; i < repetitions; i++)
            {
                // Filling and checking the buffers (a few milliseconds at 4 MiB) stay outside the timed
                // round trip: the server fills its reply before the ping comes and checks the ping after
                // answering.
                int tag = i + warmup;
                Fill(send, size, Seed(sizeIndex, tag, _me));
                long start = Stopwatch.GetTimestamp();
                if (server)
                {
                    Post(sizeIndex, size, tag);
                    OfiCompletion ping = pump.WaitFor(0, receive: true);
                    SendPattern(sizeIndex, size, tag, last && i == repetitions - 1);
                    Verify(ping, sizeIndex, size, tag);
                }
                else
                {
                    // The reply's receive is posted before the ping leaves, so it never arrives unexpected.
                    Post(sizeIndex, size, tag);
                    SendPattern(sizeIndex, size, tag, final: false);
                    OfiCompletion pong = pump.WaitFor(0, receive: true);
                    if (i >= 0) times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / 2;
                    Verify(pong, sizeIndex, size, tag);
                }
            }
            Array.Sort(times);
            return (times[repetitions / 2], times.Average());
        }

        private void Post(int sizeIndex, int size, int tag)
        {
            // The server takes any source (the wildcard ignore mask); the client names its peer.
            ulong expected = OfiTagLayout.Make(0, sizeIndex + 1, _them, tag);
            ulong ignore = server ? OfiTagLayout.Ignore(anySource: true, anyTag: false) : 0;
            ulong from = server ? OfiConstants.FiAddrUnspec : peer;
            while (!endpoint.TryReceive(receive, (nuint)Math.Max(size, 1), receiveDescriptor, from, expected, ignore, contexts + 1)) pump.Progress();
        }

        /// <summary>Sends with fi_tinject when the size allows, except the server's <paramref name="final"/>
        /// reply: an injected message may still sit in the provider when the process exits, one whose
        /// send completion came has been handed to the network.</summary>
        private void SendPattern(int sizeIndex, int size, int tag, bool final)
        {
            ulong t = OfiTagLayout.Make(0, sizeIndex + 1, _me, tag);
            if (!final && (ulong)size <= endpoint.Offer.InjectSize)
            {
                while (!endpoint.TryInject(send, (nuint)size, peer, t)) pump.Progress();
                return;
            }
            while (!endpoint.TrySend(send, (nuint)size, sendDescriptor, peer, t, contexts)) pump.Progress();
            pump.WaitFor(1, receive: false);
        }

        private void Verify(OfiCompletion c, int sizeIndex, int size, int tag)
        {
            Check.Equal((nint)(contexts + 1), c.Context, "receive completion's context");
            Check.Equal(OfiTagLayout.Make(0, sizeIndex + 1, _them, tag), c.Tag, "received tag");
            Check.Equal((nuint)size, c.Length, "received length");
            byte seed = Seed(sizeIndex, tag, _them);
            for (int b = 0; b < size; b++)
            {
                if (receive[b] != (byte)(seed + b * 7 + (b >> 12)))
                    Check.Fail($"size {size}, message {tag}: byte {b} is {receive[b]}, expected {(byte)(seed + b * 7 + (b >> 12))}");
            }
        }

        private static byte Seed(int sizeIndex, int tag, int source) => (byte)(sizeIndex * 31 + tag * 13 + source * 101);

        private static void Fill(byte* buffer, int size, byte seed)
        {
            for (int b = 0; b < size; b++) buffer[b] = (byte)(seed + b * 7 + (b >> 12));
        }
    }
}
