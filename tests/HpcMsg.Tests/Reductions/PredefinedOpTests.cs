using System.Numerics;

namespace HpcMsg.Tests.Reductions;

/// <summary>Every predefined op on every type it supports, against a scalar reference, at lengths around
/// every vector width and at shifted (unaligned) offsets.</summary>
public sealed class PredefinedOpTests
{
    public static readonly TheoryData<string> IntegerTypes =
        ["sbyte", "byte", "short", "ushort", "int", "uint", "long", "ulong", "nint", "nuint", "Int128", "UInt128"];

    public static readonly TheoryData<string> FloatingTypes = ["float", "double", "Half"];

    [Theory]
    [MemberData(nameof(IntegerTypes))]
    public void EveryOpOnIntegerType(string type)
    {
        switch (type)
        {
            case "sbyte": Integer<sbyte>(); break;
            case "byte": Integer<byte>(); break;
            case "short": Integer<short>(); break;
            case "ushort": Integer<ushort>(); break;
            case "int": Integer<int>(); break;
            case "uint": Integer<uint>(); break;
            case "long": Integer<long>(); break;
            case "ulong": Integer<ulong>(); break;
            case "nint": Integer<nint>(); break;
            case "nuint": Integer<nuint>(); break;
            case "Int128": Integer<Int128>(); break;
            case "UInt128": Integer<UInt128>(); break;
            default: Assert.Fail(type); break;
        }
    }

    [Theory]
    [MemberData(nameof(FloatingTypes))]
    public void EveryOpOnFloatingType(string type)
    {
        switch (type)
        {
            case "float": Floating<float>(); break;
            case "double": Floating<double>(); break;
            case "Half": Floating<Half>(); break;
            default: Assert.Fail(type); break;
        }
    }

    [Fact]
    public void EveryOpOnDecimal()
    {
        static void Fill(Random rng, Span<decimal> s)
        {
            for (int i = 0; i < s.Length; i++)
                s[i] = rng.Next(3) == 0 ? 1.0m : new decimal(rng.Next(-100_000, 100_000), 0, 0, false, (byte)rng.Next(0, 4));
        }
        ReductionCheck.AgainstReference<decimal>(Op.Sum, Reference.Sum, Fill);
        ReductionCheck.AgainstReference<decimal>(Op.Prod, Reference.Prod, Fill);
        ReductionCheck.AgainstReference<decimal>(Op.Min, Reference.IntMin, Fill);
        ReductionCheck.AgainstReference<decimal>(Op.Max, Reference.IntMax, Fill);
    }

    private static void Integer<T>() where T : unmanaged, IBinaryInteger<T>
    {
        foreach (Action<Random, Span<T>> fill in new Action<Random, Span<T>>[] { Fill.RandomBits, Fill.SmallIntegers })
        {
            ReductionCheck.AgainstReference<T>(Op.Sum, Reference.Sum, fill);
            ReductionCheck.AgainstReference<T>(Op.Prod, Reference.Prod, fill);
            ReductionCheck.AgainstReference<T>(Op.Min, Reference.IntMin, fill);
            ReductionCheck.AgainstReference<T>(Op.Max, Reference.IntMax, fill);
            ReductionCheck.AgainstReference<T>(Op.BitAnd, Reference.And, fill);
            ReductionCheck.AgainstReference<T>(Op.BitOr, Reference.Or, fill);
            ReductionCheck.AgainstReference<T>(Op.BitXor, Reference.Xor, fill);
        }
    }

    private static void Floating<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReductionCheck.AgainstReference<T>(Op.Sum, Reference.Sum, Fill.Finite);
        ReductionCheck.AgainstReference<T>(Op.Prod, Reference.Prod, Fill.Finite);
        ReductionCheck.AgainstReference<T>(Op.Min, Reference.FloatMin, Fill.Finite);
        ReductionCheck.AgainstReference<T>(Op.Max, Reference.FloatMax, Fill.Finite);
        ReductionCheck.AgainstReference<T>(Op.Min, Reference.FloatMin, Fill.Special);
        ReductionCheck.AgainstReference<T>(Op.Max, Reference.FloatMax, Fill.Special);
    }

    [Fact]
    public void IntegerSumAndProdWrapAround()
    {
        // 70 elements: the wrapping pairs sit in vector bodies and in the scalar tail alike.
        AllPositions<int>(Op.Sum, int.MaxValue, 1, int.MinValue);
        AllPositions<int>(Op.Sum, int.MinValue, -1, int.MaxValue);
        AllPositions<uint>(Op.Sum, uint.MaxValue, 2, 1u);
        AllPositions<byte>(Op.Sum, 200, 100, 44);
        AllPositions<sbyte>(Op.Sum, 127, 1, -128);
        AllPositions<short>(Op.Sum, short.MaxValue, short.MaxValue, -2);
        AllPositions<ushort>(Op.Sum, 65535, 65535, 65534);
        AllPositions<long>(Op.Sum, long.MaxValue, 1, long.MinValue);
        AllPositions<ulong>(Op.Sum, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue - 1);
        AllPositions<int>(Op.Prod, 65536, 65536, 0);
        AllPositions<int>(Op.Prod, int.MaxValue, 2, -2);
        AllPositions<byte>(Op.Prod, 16, 17, 16);
        AllPositions<short>(Op.Prod, 256, 256, 0);
        AllPositions<long>(Op.Prod, 1L << 32, 1L << 32, 0);
        AllPositions<long>(Op.Prod, long.MaxValue, 3, long.MaxValue - 2);
        AllPositions<ulong>(Op.Prod, 1UL << 63, 2, 0);
    }

    [Fact]
    public void ResultsAreBitIdenticalWhateverTheAlignmentOrLength()
    {
        // Each element, reduced inside a long vectorised run, equals the same element reduced alone
        // (length 1: the scalar tail), for every op and a float type with NaNs, signed zeros and infinities.
        var rng = new Random(7);
        double[] x = new double[4099], y = new double[4099];
        Fill.Special(rng, x);
        Fill.Special(rng, y);
        foreach (Op op in new[] { Op.Sum, Op.Prod, Op.Min, Op.Max })
        {
            foreach (int offset in new[] { 0, 1, 5 })
            {
                double[] whole = y[offset..];
                op.Apply<double>(x.AsSpan(offset), whole);
                for (int i = 0; i < whole.Length; i++)
                {
                    double single = y[offset + i];
                    op.Apply(x.AsSpan(offset + i, 1), new Span<double>(ref single));
                    Assert.True(BitConverter.DoubleToUInt64Bits(single) == BitConverter.DoubleToUInt64Bits(whole[i]),
                        $"{op} element {i} (offset {offset}): {whole[i]} in a run, {single} alone");
                }
            }
        }
    }

    [Fact]
    public void ThreeOperandFormWritesDestinationAndAcceptsAliasing()
    {
        var rng = new Random(3);
        foreach (int n in ReductionCheck.Lengths)
        {
            int[] lower = new int[n], higher = new int[n], expected = new int[n];
            Fill.RandomBits<int>(rng, lower);
            Fill.RandomBits<int>(rng, higher);
            for (int i = 0; i < n; i++) expected[i] = unchecked(lower[i] + higher[i]);

            int[] dest = new int[n];
            Op.Sum.Apply<int>(lower, higher, dest);
            Assert.Equal(expected, dest);

            int[] lowerCopy = (int[])lower.Clone();
            Op.Sum.Apply<int>(lowerCopy, higher, lowerCopy); // destination is the lower operand
            Assert.Equal(expected, lowerCopy);

            int[] higherCopy = (int[])higher.Clone();
            Op.Sum.Apply<int>(lower, higherCopy, higherCopy); // destination is the higher operand
            Assert.Equal(expected, higherCopy);
        }
    }

    [Fact]
    public void SameSpanAsBothOperands()
    {
        long[] v = Enumerable.Range(0, 1000).Select(i => (long)i).ToArray();
        Op.Sum.Apply<long>(v, v);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => 2L * i), v);
    }

    [Fact]
    public void ApplyDoesNotAllocate()
    {
        double[] a = new double[4099], b = new double[4099];
        int[] c = new int[1000], d = new int[1000];
        Op[] ops = [Op.Sum, Op.Prod, Op.Min, Op.Max];
        for (int warm = 0; warm < 3; warm++)
        {
            foreach (Op op in ops) op.Apply<double>(a, b);
            Op.BitXor.Apply<int>(c, d);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int rep = 0; rep < 100; rep++)
        {
            foreach (Op op in ops) op.Apply<double>(a, b);
            Op.BitXor.Apply<int>(c, d);
            Op.Sum.Apply<double>(a, b, a);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void AllPositions<T>(Op op, T a, T b, T expected) where T : unmanaged
    {
        const int n = 70;
        for (int pos = 0; pos < n; pos++)
        {
            T[] x = new T[n], y = new T[n];
            x[pos] = a;
            y[pos] = b;
            op.Apply<T>(x, y);
            Assert.Equal(expected, y[pos]);
        }
    }
}
