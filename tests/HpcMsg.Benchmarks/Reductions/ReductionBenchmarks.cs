namespace HpcMsg.Benchmarks.Reductions;

/// <summary>Op.Sum on double.</summary>
public class SumDoubleReduction : ReductionBenchmark<double>
{
    protected override Op Op => Op.Sum;

    protected override void ScalarLoop(ReadOnlySpan<double> input, Span<double> inOut)
    {
        for (int i = 0; i < inOut.Length; i++) inOut[i] = input[i] + inOut[i];
    }

    // Small finite values: the sums stay ordinary numbers however many iterations run.
    protected override void Fill(Random rng, Span<double> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = rng.NextDouble() - 0.5;
    }
}

/// <summary>Op.Sum on int (wrapping).</summary>
public class SumInt32Reduction : ReductionBenchmark<int>
{
    protected override Op Op => Op.Sum;

    protected override void ScalarLoop(ReadOnlySpan<int> input, Span<int> inOut)
    {
        for (int i = 0; i < inOut.Length; i++) inOut[i] = unchecked(input[i] + inOut[i]);
    }
}

/// <summary>Op.Max on float (IEEE maximum: NaN propagates, +0 above -0).</summary>
public class MaxSingleReduction : ReductionBenchmark<float>
{
    protected override Op Op => Op.Max;

    protected override void ScalarLoop(ReadOnlySpan<float> input, Span<float> inOut)
    {
        for (int i = 0; i < inOut.Length; i++) inOut[i] = Math.Max(input[i], inOut[i]);
    }

    protected override void Fill(Random rng, Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
    }
}

/// <summary>Op.BitXor on long.</summary>
public class BitXorInt64Reduction : ReductionBenchmark<long>
{
    protected override Op Op => Op.BitXor;

    protected override void ScalarLoop(ReadOnlySpan<long> input, Span<long> inOut)
    {
        for (int i = 0; i < inOut.Length; i++) inOut[i] = input[i] ^ inOut[i];
    }
}
