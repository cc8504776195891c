using System.Runtime.CompilerServices;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Typed Send/Recv around a ring (each rank sends right, receives from left; a lone rank talks to
/// itself): scalars and spans of int, double, long, byte and a user struct, Status fields, and
/// SendRecv ring exchanges in both directions, small and large. All blocking sends here are small
/// (eager), so sending before receiving cannot deadlock.
/// </summary>
internal sealed class BasicScenario : IScenario
{
    public string Name => "basic";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        int right = PeerPairing.Right(world), left = PeerPairing.Left(world);
        Scalars(world, right, left);
        Spans(world, right, left);
        Structs(world, right, left);
        StatusFields(world, right, left);
        RingExchange(world, right, left);
        return Task.CompletedTask;
    }

    private static void Scalars(Communicator world, int right, int left)
    {
        int r = world.Rank;
        world.Send(1000 * r + 1, right, 1);
        world.Send(r + 0.25 + 1e-9 * r, right, 2);
        world.Send(((long)r << 40) | 0xABCDEF, right, 3);
        world.Send((byte)(200 + r), right, 4);
        // Received in reverse order of sending: matching is by tag, not by arrival.
        Check.Equal((byte)(200 + left), world.Recv<byte>(left, 4), "byte scalar");
        Check.Equal(((long)left << 40) | 0xABCDEF, world.Recv<long>(left, 3), "long scalar");
        Check.Equal(left + 0.25 + 1e-9 * left, world.Recv<double>(left, 2), "double scalar");
        Check.Equal(1000 * left + 1, world.Recv<int>(left, 1), "int scalar");
    }

    private static int[] Ints(int r) => [.. Enumerable.Range(0, 5 + 3 * r).Select(i => i * r + i * i - 7)];
    private static double[] Doubles(int r) => [.. Enumerable.Range(0, 1 + r).Select(i => r + i / 8.0)];
    private static long[] Longs(int r) => [.. Enumerable.Range(0, 17).Select(i => ((long)r << 32) + i * 1_000_003L)];
    private static byte[] Bytes(int r) => [.. Enumerable.Range(0, r * 7 % 13).Select(i => (byte)(r * 31 + i))]; // empty on rank 0

    private static void Spans(Communicator world, int right, int left)
    {
        int r = world.Rank;
        world.Send<int>(Ints(r), right, 11);
        world.Send<double>(Doubles(r), right, 12);
        world.Send<long>(Longs(r), right, 13);
        world.Send<byte>(Bytes(r), right, 14);
        ExpectSpan<int>(world, left, 11, Ints(left));
        ExpectSpan<double>(world, left, 12, Doubles(left));
        ExpectSpan<long>(world, left, 13, Longs(left));
        ExpectSpan<byte>(world, left, 14, Bytes(left));
    }

    /// <summary>Receives into a larger buffer and checks the count, the contents and that nothing past them was written.</summary>
    private static void ExpectSpan<T>(Communicator world, int source, int tag, T[] expected) where T : unmanaged, IEquatable<T>
    {
        var buffer = new T[expected.Length + 64];
        Status status = world.Recv<T>(buffer, source, tag);
        string what = $"{typeof(T).Name} span from rank {source}";
        Check.Equal(source, status.Source, $"{what}: Status.Source");
        Check.Equal(tag, status.Tag, $"{what}: Status.Tag");
        Check.Equal(expected.Length, status.Count, $"{what}: Status.Count");
        Check.Equal((long)expected.Length * Unsafe.SizeOf<T>(), status.ByteCount, $"{what}: Status.ByteCount");
        Check.SequenceEqual<T>(expected, buffer.AsSpan(0, expected.Length), what);
        Check.True(buffer.AsSpan(expected.Length).IndexOfAnyExcept(default(T)) < 0, $"{what}: written past the message");
    }

    private static void Structs(Communicator world, int right, int left)
    {
        int r = world.Rank;
        world.Send(Particle.For(r, 0), right, 21);
        Particle[] many = [Particle.For(r, 1), Particle.For(r, 2), Particle.For(r, 3)];
        world.Send<Particle>(many, right, 22);

        Particle one = world.Recv<Particle>(left, 21, out Status status);
        Check.Equal(Particle.For(left, 0), one, "struct scalar");
        Check.Equal(1, status.Count, "struct scalar: Status.Count");
        Check.Equal((long)Unsafe.SizeOf<Particle>(), status.ByteCount, "struct scalar: Status.ByteCount");

        var buffer = new Particle[10];
        status = world.Recv<Particle>(buffer, left, 22);
        Check.Equal(3, status.Count, "struct span: Status.Count");
        Check.Equal(3, status.GetCount<Particle>(), "struct span: GetCount<Particle>");
        Check.Equal(3L * Unsafe.SizeOf<Particle>(), status.ByteCount, "struct span: Status.ByteCount");
        Check.SequenceEqual<Particle>([Particle.For(left, 1), Particle.For(left, 2), Particle.For(left, 3)], buffer.AsSpan(0, 3), "struct span");
    }

    private static void StatusFields(Communicator world, int right, int left)
    {
        int r = world.Rank;
        world.Send(0x0102030405060708L + r, right, 42);
        long value = world.Recv<long>(left, 42, out Status status);
        Check.Equal(0x0102030405060708L + left, value, "Recv<long>(source, tag, out status) value");
        Check.Equal(left, status.Source, "Status.Source");
        Check.Equal(42, status.Tag, "Status.Tag");
        Check.Equal(1, status.Count, "Status.Count");
        Check.Equal(8L, status.ByteCount, "Status.ByteCount");
        Check.Equal(2, status.GetCount<int>(), "Status.GetCount<int>()");
        Check.Equal(8, status.GetCount<byte>(), "Status.GetCount<byte>()");

        // Wildcards: the status tells who sent it and with which tag.
        world.Send(777 + r, right, 43);
        int any = world.Recv<int>(Communicator.AnySource, Communicator.AnyTag, out status);
        Check.Equal(777 + left, any, "Recv(AnySource, AnyTag) value");
        Check.Equal(left, status.Source, "Recv(AnySource, AnyTag): Status.Source");
        Check.Equal(43, status.Tag, "Recv(AnySource, AnyTag): Status.Tag");

        // 37 ints received as bytes: Count is in the receive's element type.
        world.Send<int>(Enumerable.Range(0, 37).ToArray(), right, 44);
        var bytes = new byte[200];
        status = world.Recv<byte>(bytes, left, 44);
        Check.Equal(148, status.Count, "37 ints received as bytes: Status.Count");
        Check.Equal(148L, status.ByteCount, "37 ints received as bytes: Status.ByteCount");
        Check.Equal(37, status.GetCount<int>(), "37 ints received as bytes: GetCount<int>()");
        Check.Equal(36, BitConverter.ToInt32(bytes, 36 * 4), "37 ints received as bytes: last element");
    }

    private static void RingExchange(Communicator world, int right, int left)
    {
        int r = world.Rank;
        Span<int> got = [-1];
        Status status = world.SendRecv<int>([r], right, 51, got, left, 51);
        Check.Equal(left, got[0], "SendRecv rightwards value");
        Check.Equal(left, status.Source, "SendRecv rightwards Status.Source");
        Check.Equal(51, status.Tag, "SendRecv rightwards Status.Tag");

        status = world.SendRecv<int>([r], left, 52, got, right, 52);
        Check.Equal(right, got[0], "SendRecv leftwards value");
        Check.Equal(right, status.Source, "SendRecv leftwards Status.Source");

        // Large (rendezvous) both ways at once: every rank sends before it receives.
        const int N = 300_000; // 2.4 MB of doubles
        double[] send = [.. Enumerable.Range(0, N).Select(i => r * 1e6 + i)];
        var recv = new double[N];
        status = world.SendRecv<double>(send, right, 53, recv, Communicator.AnySource, 53);
        Check.Equal(left, status.Source, "large SendRecv Status.Source");
        Check.Equal(N, status.Count, "large SendRecv Status.Count");
        for (int i = 0; i < N; i++)
        {
            if (recv[i] != left * 1e6 + i) Check.Fail($"large SendRecv: element {i} is {recv[i]}, expected {left * 1e6 + i}");
        }
        InPlaceExchange(world, right, left);
    }

    /// <summary>SendRecv with one buffer as both send and receive (a halo exchanged in place), or the
    /// two overlapping by part: what arrives is what the neighbour held before its call, at an eager,
    /// a ring-pipelined and a single-copy size. Without the library's copy of an overlapping send, a
    /// large send is read by the neighbour after our receive has overwritten the buffer.</summary>
    private static void InPlaceExchange(Communicator world, int right, int left)
    {
        foreach (int n in (int[])[100, 3_000, 20_000, 300_000])
        {
            for (int round = 0; round < 3; round++)
            {
                long[] halo = [.. NeighbourValues(world.Rank, n, round)];
                long[] expected = [.. NeighbourValues(left, n, round)];
                world.SendRecv<long>(halo, right, 54, halo, left, 54);
                for (int i = 0; i < n; i++)
                {
                    if (halo[i] != expected[i]) { Check.Fail($"in-place SendRecv of {n} longs: element {i} differs from the left neighbour's"); break; }
                }

                // Partly overlapping: send the first 2/3, receive into the last 2/3.
                int part = 2 * n / 3;
                long[] buffer = [.. NeighbourValues(world.Rank, n, round)];
                world.SendRecv<long>(buffer.AsSpan(0, part), right, 55, buffer.AsSpan(n - part, part), left, 55);
                long[] leftValues = [.. NeighbourValues(left, n, round)];
                for (int i = 0; i < part; i++)
                {
                    if (buffer[n - part + i] != leftValues[i]) { Check.Fail($"overlapping SendRecv of {part} longs: element {i} differs from the left neighbour's"); break; }
                }
            }
        }
    }

    private static IEnumerable<long> NeighbourValues(int rank, int n, int round)
    {
        var rng = new Random(1000 * rank + n + round);
        for (int i = 0; i < n; i++) yield return rng.NextInt64();
    }
}
