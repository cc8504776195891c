using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HpcMsg.TestApp.Support;

// Padded structs for user-defined ops in the differential scenario. Each has padding bytes the
// library moves but no op reads, and a size that does not divide the power-of-two block splits of
// reduce-scatter evenly into cache lines: 12, 16 and 24 bytes.

/// <summary>12 bytes: int, byte, 3 bytes of padding, int.</summary>
[StructLayout(LayoutKind.Sequential)]
internal record struct Pad12(int A, byte B, int C);

/// <summary>16 bytes: double, int, 4 bytes of padding (the MINLOC pair of issue 15).</summary>
[StructLayout(LayoutKind.Sequential)]
internal record struct Pad16(double V, int K);

/// <summary>24 bytes: long, byte, 7 bytes of padding, long.</summary>
[StructLayout(LayoutKind.Sequential)]
internal record struct Pad24(long A, byte B, long C);

/// <summary>One reduction op on <typeparamref name="T"/> with its serial definition:
/// <see cref="Fold"/>(lower, higher) is what <c>Op</c> computes with <c>lower</c> from the lower ranks,
/// and <see cref="Input"/> turns 64 random bits into an operand for which every combination order
/// gives the same, exact result (so a tree's order and the rank-order fold must agree bit for bit).</summary>
internal sealed class OpSpec<T>(string name, Op op, Func<T, T, T> fold, Func<ulong, T> input) where T : unmanaged
{
    public string Name { get; } = name;
    public Op Op { get; } = op;
    public Func<T, T, T> Fold { get; } = fold;
    public Func<ulong, T> Input { get; } = input;
}

/// <summary>An element type of the differential scenario: how to make a value from random bits
/// (any bit pattern, for the data-movement collectives), how to compare and show one, and the ops
/// it supports.</summary>
internal sealed class ElementKind<T>(string name, Func<ulong, T> any, Func<T, T, bool> same, Func<T, string> show, OpSpec<T>[] ops)
    : IElementKind where T : unmanaged
{
    public string Name { get; } = name;
    public int Size => Unsafe.SizeOf<T>();
    public Func<ulong, T> Any { get; } = any;
    public Func<T, T, bool> Same { get; } = same;
    public Func<T, string> Show { get; } = show;
    public OpSpec<T>[] Ops { get; } = ops;
    public int OpCount => Ops.Length;
    public string OpName(int op) => Ops[op].Name;
}

internal interface IElementKind
{
    string Name { get; }
    int Size { get; }
    int OpCount { get; }
    string OpName(int op);
}

/// <summary>The element types and ops the differential scenario draws from.</summary>
internal static class DifferentialTypes
{
    public static readonly ElementKind<byte> Byte = new("byte", static h => (byte)h, static (a, b) => a == b, static v => v.ToString(CultureInfo.InvariantCulture),
        IntegerOps<byte>(static (a, b) => (byte)(a + b), static (a, b) => (byte)(a * b), static h => (byte)h,
            static (a, b) => (byte)(a & b), static (a, b) => (byte)(a | b), static (a, b) => (byte)(a ^ b)));

    public static readonly ElementKind<int> Int = new("int", static h => (int)h, static (a, b) => a == b, static v => v.ToString(CultureInfo.InvariantCulture),
        IntegerOps<int>(static (a, b) => unchecked(a + b), static (a, b) => unchecked(a * b), static h => (int)h,
            static (a, b) => a & b, static (a, b) => a | b, static (a, b) => a ^ b));

    public static readonly ElementKind<long> Long = new("long", static h => (long)h, static (a, b) => a == b, static v => v.ToString(CultureInfo.InvariantCulture),
        IntegerOps<long>(static (a, b) => unchecked(a + b), static (a, b) => unchecked(a * b), static h => (long)h,
            static (a, b) => a & b, static (a, b) => a | b, static (a, b) => a ^ b));

    public static readonly ElementKind<float> Float = new("float", static h => BitConverter.Int32BitsToSingle((int)h),
        static (a, b) => BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b) || (float.IsNaN(a) && float.IsNaN(b)),
        static v => $"{v.ToString("R", CultureInfo.InvariantCulture)} (0x{BitConverter.SingleToInt32Bits(v):x8})",
        [
            new("Sum", Op.Sum, static (a, b) => a + b, static h => (float)SmallDyadic(h)),
            new("Prod", Op.Prod, static (a, b) => a * b, static h => (float)PowerOfTwo(h)),
            new("Min", Op.Min, MathF.Min, static h => (float)MinMaxInput(h)),
            new("Max", Op.Max, MathF.Max, static h => (float)MinMaxInput(h)),
        ]);

    public static readonly ElementKind<double> Double = new("double", static h => BitConverter.Int64BitsToDouble((long)h),
        static (a, b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b) || (double.IsNaN(a) && double.IsNaN(b)),
        static v => $"{v.ToString("R", CultureInfo.InvariantCulture)} (0x{BitConverter.DoubleToInt64Bits(v):x16})",
        [
            new("Sum", Op.Sum, static (a, b) => a + b, SmallDyadic),
            new("Prod", Op.Prod, static (a, b) => a * b, PowerOfTwo),
            new("Min", Op.Min, Math.Min, MinMaxInput),
            new("Max", Op.Max, Math.Max, MinMaxInput),
        ]);

    private const long P12 = 65_521, P16 = 16_777_213, P24 = 2_147_483_647; // primes

    public static readonly ElementKind<Pad12> Struct12 = new("Pad12", static h => new Pad12((int)h, (byte)(h >> 32), (int)(h >> 29)),
        static (a, b) => a == b, static v => v.ToString(),
        [
            // Commutative: wrapping sum, xor, max, field by field.
            UserOp<Pad12>("SumXorMax12", commutative: true,
                static (l, h) => new Pad12(unchecked(l.A + h.A), (byte)(l.B ^ h.B), Math.Max(l.C, h.C)),
                static h => new Pad12((int)h, (byte)(h >> 32), (int)(h >> 40))),
            // Not commutative: affine maps x -> A x + C mod P12 composed (lower after higher), B xor.
            UserOp<Pad12>("Affine12", commutative: false,
                static (l, h) => new Pad12((int)((long)l.A * h.A % P12), (byte)(l.B ^ h.B), (int)(((long)l.A * h.C + l.C) % P12)),
                static h => new Pad12((int)(1 + (long)(h % (ulong)(P12 - 1))), (byte)(h >> 20), (int)((long)(h >> 32) % P12))),
        ]);

    public static readonly ElementKind<Pad16> Struct16 = new("Pad16", static h => new Pad16(BitConverter.Int64BitsToDouble((long)h), (int)(h >> 17)),
        static (a, b) => BitConverter.DoubleToInt64Bits(a.V) == BitConverter.DoubleToInt64Bits(b.V) && a.K == b.K,
        static v => $"Pad16 {{ V = {v.V.ToString("R", CultureInfo.InvariantCulture)}, K = {v.K} }}",
        [
            // MINLOC: the smaller value, on a tie the lower index (values 0-4, so ties are common).
            UserOp<Pad16>("MinLoc16", commutative: true,
                static (l, h) => l.V < h.V || (l.V == h.V && l.K < h.K) ? l : h,
                static h => new Pad16(h % 5, (int)(h >> 8) & 0xffff)),
            // Not commutative: affine maps mod P16, the multiplier held exactly in the double.
            UserOp<Pad16>("Affine16", commutative: false,
                static (l, h) => new Pad16((long)l.V * (long)h.V % P16, (int)(((long)l.V * h.K + l.K) % P16)),
                static h => new Pad16(1 + (long)(h % (ulong)(P16 - 1)), (int)((long)(h >> 32) % P16))),
        ]);

    public static readonly ElementKind<Pad24> Struct24 = new("Pad24", static h => new Pad24((long)h, (byte)(h >> 11), (long)(h * 0x9E3779B97F4A7C15)),
        static (a, b) => a == b, static v => v.ToString(),
        [
            // Commutative: wrapping sum, or, min.
            UserOp<Pad24>("SumOrMin24", commutative: true,
                static (l, h) => new Pad24(unchecked(l.A + h.A), (byte)(l.B | h.B), Math.Min(l.C, h.C)),
                static h => new Pad24((long)h, (byte)(1 << (int)(h % 8)), (long)(h * 0x9E3779B97F4A7C15))),
            // Not commutative: affine maps mod 2^31-1; B is "the last marked one wins" (also
            // associative and not commutative).
            UserOp<Pad24>("Affine24", commutative: false,
                static (l, h) => new Pad24(l.A * h.A % P24, h.B != 0 ? h.B : l.B, (l.A * h.C + l.C) % P24),
                static h => new Pad24(1 + (long)(h % (ulong)(P24 - 1)), (h >> 61) == 0 ? (byte)(h >> 40) : (byte)0, (long)((h >> 20) % (ulong)P24))),
        ]);

    /// <summary>Indexed by a case's type number.</summary>
    public static readonly IElementKind[] All = [Byte, Int, Long, Float, Double, Struct12, Struct16, Struct24];

    public static void CheckLayouts()
    {
        Check.Equal(12, Unsafe.SizeOf<Pad12>(), "sizeof(Pad12)");
        Check.Equal(16, Unsafe.SizeOf<Pad16>(), "sizeof(Pad16)");
        Check.Equal(24, Unsafe.SizeOf<Pad24>(), "sizeof(Pad24)");
    }

    private static OpSpec<T>[] IntegerOps<T>(Func<T, T, T> sum, Func<T, T, T> prod, Func<ulong, T> any,
        Func<T, T, T> and, Func<T, T, T> or, Func<T, T, T> xor) where T : unmanaged, IComparable<T> =>
    [
        // Integer Sum and Prod wrap around, so any values and any order give the same result.
        new("Sum", Op.Sum, sum, any),
        // Odd factors: a product of random values is soon 0 modulo 2^bits, which would hide a wrong operand.
        new("Prod", Op.Prod, prod, h => any(h | 1)),
        new("Min", Op.Min, static (a, b) => a.CompareTo(b) <= 0 ? a : b, any),
        new("Max", Op.Max, static (a, b) => a.CompareTo(b) >= 0 ? a : b, any),
        new("BitAnd", Op.BitAnd, and, h => any(h | (h >> 7))), // mostly ones, so that the result is not just 0
        new("BitOr", Op.BitOr, or, h => any(h & (h >> 7))),   // mostly zeros
        new("BitXor", Op.BitXor, xor, any),
    ];

    private static OpSpec<T> UserOp<T>(string name, bool commutative, Func<T, T, T> fold, Func<ulong, T> input) where T : unmanaged
    {
        Op op = Op.Create<T>(name, (input, inout) =>
        {
            for (int i = 0; i < inout.Length; i++) inout[i] = fold(input[i], inout[i]);
        }, commutative);
        return new OpSpec<T>(name, op, fold, input);
    }

    /// <summary>k/4 for k in [-256, 256]: sums of up to thousands of these are exact in float and double.</summary>
    private static double SmallDyadic(ulong h) => ((long)(h % 513) - 256) / 4.0;

    /// <summary>±2^e, e in [-2, 2]: products of up to 9 ranks' operands are exact, in any order.</summary>
    private static double PowerOfTwo(ulong h) => ((h & 1) == 0 ? 1 : -1) * Math.ScaleB(1.0, (int)((h >> 1) % 5) - 2);

    /// <summary>Mostly ordinary values, sometimes ±0 (IEEE minimum/maximum order them), ±infinity or NaN.</summary>
    private static double MinMaxInput(ulong h) => (h % 32) switch
    {
        0 => -0.0,
        1 => 0.0,
        2 => double.PositiveInfinity,
        3 => double.NegativeInfinity,
        4 => double.NaN,
        _ => ((long)(h >> 8) % 2_000_001 - 1_000_000) / 1024.0,
    };
}
