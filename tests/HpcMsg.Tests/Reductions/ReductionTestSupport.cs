using System.Numerics;
using System.Runtime.InteropServices;

namespace HpcMsg.Tests.Reductions;

/// <summary>Runs an op against a scalar reference over many lengths and (mis)alignments, with guard
/// elements on both sides of each slice, and compares bit for bit.</summary>
internal static class ReductionCheck
{
    /// <summary>Around every vector width in elements (2 … 64 lanes; x4 unrolled blocks of up to 256).</summary>
    public static readonly int[] Lengths = [0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 255, 256, 257, 1000, 4099];

    /// <summary>(input offset, inputOutput offset) in elements: aligned, both shifted, one shifted.</summary>
    public static readonly (int Input, int InOut)[] Offsets = [(0, 0), (1, 1), (1, 0), (0, 1), (3, 2)];

    public static void AgainstReference<T>(Op op, Func<T, T, T> reference, Action<Random, Span<T>> fill, int seed = 12345)
        where T : unmanaged
    {
        var rng = new Random(seed);
        foreach (int n in Lengths)
        {
            foreach ((int inOff, int ioOff) in Offsets)
            {
                T[] input = new T[n + 4];
                T[] inOut = new T[n + 4];
                fill(rng, input);
                fill(rng, inOut);
                T[] inputBefore = (T[])input.Clone();
                T[] expected = (T[])inOut.Clone();
                for (int i = 0; i < n; i++)
                    expected[ioOff + i] = reference(input[inOff + i], inOut[ioOff + i]);

                op.Apply<T>(input.AsSpan(inOff, n), inOut.AsSpan(ioOff, n));

                AssertBitsEqual(expected, inOut, $"{op} on {typeof(T).Name}, length {n}, offsets in={inOff} io={ioOff}");
                AssertBitsEqual(inputBefore, input, $"{op} on {typeof(T).Name} modified its input (length {n})");
            }
        }
    }

    public static void AssertBitsEqual<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what) where T : unmanaged
    {
        Assert.Equal(expected.Length, actual.Length);
        ReadOnlySpan<byte> e = MemoryMarshal.AsBytes(expected), a = MemoryMarshal.AsBytes(actual);
        if (e.SequenceEqual(a)) return;
        int size = e.Length / Math.Max(1, expected.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!e.Slice(i * size, size).SequenceEqual(a.Slice(i * size, size)))
                Assert.Fail($"{what}: element {i} is {actual[i]} (0x{Hex(a.Slice(i * size, size))}), expected {expected[i]} (0x{Hex(e.Slice(i * size, size))})");
        }
    }

    private static string Hex(ReadOnlySpan<byte> littleEndian)
    {
        Span<byte> b = stackalloc byte[littleEndian.Length];
        littleEndian.CopyTo(b);
        b.Reverse();
        return Convert.ToHexString(b);
    }
}

/// <summary>Operand generators.</summary>
internal static class Fill
{
    /// <summary>Uniform random bits: the whole range, so sums and products wrap around often.</summary>
    public static void RandomBits<T>(Random rng, Span<T> span) where T : unmanaged =>
        rng.NextBytes(MemoryMarshal.AsBytes(span));

    /// <summary>Small integers (including 0, ±1 and equal pairs), where Min/Max ties matter.</summary>
    public static void SmallIntegers<T>(Random rng, Span<T> span) where T : unmanaged, IBinaryInteger<T>
    {
        for (int i = 0; i < span.Length; i++)
            span[i] = rng.Next(4) == 0 ? RandomBitsOne<T>(rng) : T.CreateTruncating(rng.Next(-3, 4));
    }

    private static T RandomBitsOne<T>(Random rng) where T : unmanaged
    {
        T v = default;
        rng.NextBytes(MemoryMarshal.AsBytes(new Span<T>(ref v)));
        return v;
    }

    /// <summary>Finite values of mixed sign and magnitude, with some ±0: for Sum and Prod.</summary>
    public static void Finite<T>(Random rng, Span<T> span) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = rng.Next(10) switch
            {
                0 => T.Zero,
                1 => T.NegativeZero,
                _ => T.CreateTruncating((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-20, 20))),
            };
        }
    }

    /// <summary>Everything Min/Max must get right: NaNs with various payloads and signs, ±Inf, ±0, ties.</summary>
    public static void Special<T>(Random rng, Span<T> span) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = rng.Next(12) switch
            {
                0 => T.NaN,
                1 => NaNWithPayload<T>(rng),
                2 => T.PositiveInfinity,
                3 => T.NegativeInfinity,
                4 => T.Zero,
                5 => T.NegativeZero,
                6 => T.One,
                7 => -T.One,
                _ => T.CreateTruncating((rng.NextDouble() - 0.5) * 100),
            };
        }
    }

    public static T NaNWithPayload<T>(Random rng) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            ulong bits = 0x7FF8_0000_0000_0000UL | (ulong)rng.NextInt64(1, 1L << 50) | (rng.Next(2) == 0 ? 0 : 0x8000_0000_0000_0000UL);
            return (T)(object)BitConverter.UInt64BitsToDouble(bits);
        }
        if (typeof(T) == typeof(float))
        {
            uint bits = 0x7FC0_0000u | (uint)rng.Next(1, 1 << 21) | (rng.Next(2) == 0 ? 0 : 0x8000_0000u);
            return (T)(object)BitConverter.UInt32BitsToSingle(bits);
        }
        if (typeof(T) == typeof(Half))
        {
            ushort bits = (ushort)(0x7E00 | rng.Next(1, 1 << 8) | (rng.Next(2) == 0 ? 0 : 0x8000));
            return (T)(object)BitConverter.UInt16BitsToHalf(bits);
        }
        return T.NaN;
    }
}

/// <summary>Scalar references, written independently of the kernels.</summary>
internal static class Reference
{
    public static T Sum<T>(T x, T y) where T : INumberBase<T> => unchecked(x + y);
    public static T Prod<T>(T x, T y) where T : INumberBase<T> => unchecked(x * y);
    /// <summary>Ties give <c>y</c> (visible only for decimal, whose equal values may differ in scale).</summary>
    public static T IntMin<T>(T x, T y) where T : INumber<T> => x < y ? x : y;
    public static T IntMax<T>(T x, T y) where T : INumber<T> => x > y ? x : y;
    public static T And<T>(T x, T y) where T : IBinaryInteger<T> => x & y;
    public static T Or<T>(T x, T y) where T : IBinaryInteger<T> => x | y;
    public static T Xor<T>(T x, T y) where T : IBinaryInteger<T> => x ^ y;

    /// <summary>IEEE 754:2019 minimum, lower rank's NaN first: what Math.Min does.</summary>
    public static T FloatMin<T>(T x, T y) where T : IFloatingPointIeee754<T>
    {
        if (T.IsNaN(x)) return x;
        if (T.IsNaN(y)) return y;
        if (x == y) return T.IsNegative(x) ? x : y;
        return x < y ? x : y;
    }

    /// <summary>IEEE 754:2019 maximum, lower rank's NaN first: what Math.Max does.</summary>
    public static T FloatMax<T>(T x, T y) where T : IFloatingPointIeee754<T>
    {
        if (T.IsNaN(x)) return x;
        if (T.IsNaN(y)) return y;
        if (x == y) return T.IsNegative(x) ? y : x;
        return x > y ? x : y;
    }
}
