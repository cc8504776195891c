using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;

namespace HpcMsg.Tests.Scaling;

/// <summary>What this process holds, as the kernel sees it (Linux /proc): descriptors, threads, and
/// TCP sockets in state ESTABLISHED.</summary>
internal static class ProcessResources
{
    public static int Descriptors() => Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();

    public static int Threads() => Directory.EnumerateDirectories("/proc/self/task").Count();

    /// <summary>This process's descriptors that are sockets, matched by inode against the TCP tables.</summary>
    public static int EstablishedTcp() => HpcMsg.TestApp.Support.TcpSockets.Established();

    /// <summary>Bytes the kernel has received on this TCP socket: what the other end wrote to it
    /// (<c>tcpi_bytes_received</c> of Linux's <c>TCP_INFO</c>, at byte 128; Linux 4.1 on).</summary>
    public static long TcpBytesReceived(Socket socket)
    {
        Span<byte> info = stackalloc byte[256];
        int n = socket.GetRawSocketOption(6 /* IPPROTO_TCP */, 11 /* TCP_INFO */, info);
        if (n < 136) throw new InvalidOperationException($"TCP_INFO of {n} bytes has no tcpi_bytes_received");
        return BinaryPrimitives.ReadInt64LittleEndian(info[128..]);
    }

    /// <summary>The most threads seen while it runs (sampled every 10 ms on a thread of its own).</summary>
    public sealed class ThreadPeak : IDisposable
    {
        private readonly Thread _sampler;
        private volatile bool _stop;

        public ThreadPeak()
        {
            Peak = Threads();
            _sampler = new Thread(() =>
            {
                while (!_stop)
                {
                    Peak = Math.Max(Peak, Threads());
                    Thread.Sleep(10);
                }
            }) { IsBackground = true, Name = "thread sampler" };
            _sampler.Start();
        }

        public int Peak { get; private set; }

        public void Dispose()
        {
            _stop = true;
            _sampler.Join();
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        double[] v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    public static string Ms(Stopwatch s) => $"{s.Elapsed.TotalMilliseconds:F0} ms";
}
