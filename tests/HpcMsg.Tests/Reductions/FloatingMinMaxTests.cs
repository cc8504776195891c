namespace HpcMsg.Tests.Reductions;

/// <summary>Floating-point Min/Max: NaN propagates (the lower rank's NaN when both are), -0 &lt; +0, exactly as
/// Math.Min/Math.Max, at every position of vectorised runs and of scalar tails.</summary>
public sealed class FloatingMinMaxTests
{
    private const int N = 131; // 2 x 64 lanes of float plus a tail of 3

    [Fact]
    public void NaNFromEitherSidePropagatesAtEveryPosition()
    {
        foreach (Op op in new[] { Op.Min, Op.Max })
        {
            for (int pos = 0; pos < N; pos++)
            {
                double[] x = Filled(N, 1.0), y = Filled(N, 2.0);
                x[pos] = double.NaN;
                op.Apply<double>(x, y);
                Assert.True(double.IsNaN(y[pos]), $"{op}: NaN input at {pos} lost");
                Assert.Equal(op == Op.Min ? 1.0 : 2.0, y[(pos + 1) % N]);

                float[] fx = Filled(N, 1f), fy = Filled(N, 2f);
                fy[pos] = float.NaN;
                op.Apply<float>(fx, fy);
                Assert.True(float.IsNaN(fy[pos]), $"{op}: NaN inputOutput at {pos} lost");
                Assert.Equal(op == Op.Min ? 1f : 2f, fy[(pos + 1) % N]);
            }
        }
    }

    [Fact]
    public void WhenBothAreNaNTheLowerRanksPayloadWins()
    {
        const ulong lowerNaN = 0x7FF8_0000_0000_0001UL, higherNaN = 0xFFF8_0000_0000_0002UL;
        const uint lowerNaNf = 0x7FC0_0001u, higherNaNf = 0xFFC0_0002u;
        foreach (Op op in new[] { Op.Min, Op.Max })
        {
            foreach (int n in ReductionCheck.Lengths)
            {
                double[] x = Enumerable.Repeat(BitConverter.UInt64BitsToDouble(lowerNaN), n).ToArray();
                double[] y = Enumerable.Repeat(BitConverter.UInt64BitsToDouble(higherNaN), n).ToArray();
                op.Apply<double>(x, y);
                Assert.All(y, v => Assert.Equal(lowerNaN, BitConverter.DoubleToUInt64Bits(v)));

                float[] fx = Enumerable.Repeat(BitConverter.UInt32BitsToSingle(lowerNaNf), n).ToArray();
                float[] fy = Enumerable.Repeat(BitConverter.UInt32BitsToSingle(higherNaNf), n).ToArray();
                op.Apply<float>(fx, fy);
                Assert.All(fy, v => Assert.Equal(lowerNaNf, BitConverter.SingleToUInt32Bits(v)));

                // One NaN: that NaN, payload and sign intact, from either side.
                double[] a = Enumerable.Repeat(BitConverter.UInt64BitsToDouble(higherNaN), n).ToArray();
                double[] b = Enumerable.Repeat(-5.0, n).ToArray();
                op.Apply<double>(b, a);
                Assert.All(a, v => Assert.Equal(higherNaN, BitConverter.DoubleToUInt64Bits(v)));
            }
        }
    }

    [Fact]
    public void NegativeZeroIsBelowPositiveZero()
    {
        foreach (int n in new[] { 1, 16, 17, 64, 67 })
        {
            foreach ((double lower, double higher) in new[] { (0.0, -0.0), (-0.0, 0.0), (-0.0, -0.0), (0.0, 0.0) })
            {
                double[] min = Filled(n, higher), max = Filled(n, higher);
                Op.Min.Apply<double>(Filled(n, lower), min);
                Op.Max.Apply<double>(Filled(n, lower), max);
                bool anyNegative = double.IsNegative(lower) || double.IsNegative(higher);
                bool bothNegative = double.IsNegative(lower) && double.IsNegative(higher);
                Assert.All(min, v => Assert.Equal(anyNegative, double.IsNegative(v)));
                Assert.All(max, v => Assert.Equal(bothNegative, double.IsNegative(v)));

                float[] fmin = Filled(n, (float)higher), fmax = Filled(n, (float)higher);
                Op.Min.Apply<float>(Filled(n, (float)lower), fmin);
                Op.Max.Apply<float>(Filled(n, (float)lower), fmax);
                Assert.All(fmin, v => Assert.Equal(anyNegative, float.IsNegative(v)));
                Assert.All(fmax, v => Assert.Equal(bothNegative, float.IsNegative(v)));
            }
        }
    }

    [Fact]
    public void AgreesWithMathMinAndMax()
    {
        var rng = new Random(99);
        double[] x = new double[4099], y = new double[4099];
        Fill.Special(rng, x);
        Fill.Special(rng, y);
        double[] min = (double[])y.Clone(), max = (double[])y.Clone();
        Op.Min.Apply<double>(x, min);
        Op.Max.Apply<double>(x, max);
        for (int i = 0; i < x.Length; i++)
        {
            AssertSame(Math.Min(x[i], y[i]), min[i], $"Min({x[i]}, {y[i]})");
            AssertSame(Math.Max(x[i], y[i]), max[i], $"Max({x[i]}, {y[i]})");
        }

        float[] fx = new float[4099], fy = new float[4099];
        Fill.Special(rng, fx);
        Fill.Special(rng, fy);
        float[] fmin = (float[])fy.Clone(), fmax = (float[])fy.Clone();
        Op.Min.Apply<float>(fx, fmin);
        Op.Max.Apply<float>(fx, fmax);
        for (int i = 0; i < fx.Length; i++)
        {
            AssertSame(Math.Min(fx[i], fy[i]), fmin[i], $"Min({fx[i]}, {fy[i]})");
            AssertSame(Math.Max(fx[i], fy[i]), fmax[i], $"Max({fx[i]}, {fy[i]})");
        }
    }

    [Fact]
    public void InfinitiesOrderAsValues()
    {
        double[] x = [double.PositiveInfinity, double.NegativeInfinity, 1, double.MaxValue, double.Epsilon, -1];
        double[] y = [1, 1, double.NegativeInfinity, double.PositiveInfinity, -double.Epsilon, double.NegativeInfinity];
        double[] min = (double[])y.Clone(), max = (double[])y.Clone();
        Op.Min.Apply<double>(x, min);
        Op.Max.Apply<double>(x, max);
        Assert.Equal([1, double.NegativeInfinity, double.NegativeInfinity, double.MaxValue, -double.Epsilon, double.NegativeInfinity], min);
        Assert.Equal([double.PositiveInfinity, 1, 1, double.PositiveInfinity, double.Epsilon, -1], max);
    }

    /// <summary>Same value, or both NaN (Math.Min's choice of NaN payload is not part of its contract).</summary>
    private static void AssertSame(double expected, double actual, string what) =>
        Assert.True(double.IsNaN(expected) ? double.IsNaN(actual) : BitConverter.DoubleToUInt64Bits(expected) == BitConverter.DoubleToUInt64Bits(actual),
            $"{what}: expected {expected}, got {actual}");

    private static void AssertSame(float expected, float actual, string what) =>
        Assert.True(float.IsNaN(expected) ? float.IsNaN(actual) : BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual),
            $"{what}: expected {expected}, got {actual}");

    private static T[] Filled<T>(int n, T value) => Enumerable.Repeat(value, n).ToArray();
}
