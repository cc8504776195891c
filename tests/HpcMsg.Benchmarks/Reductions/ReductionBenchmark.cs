using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace HpcMsg.Benchmarks.Reductions;

/// <summary>
/// One predefined op on one element type: the library's vectorised kernel (<c>Op.Apply</c>, as the
/// collectives call it) against the plain scalar loop a straightforward implementation would have.
/// Both reduce <c>Input</c> into <c>InOut</c> in place, <c>Bytes</c> bytes each; 1 KiB and 64 KiB sit in
/// L1/L2, 1 MiB in L2/L3, 8 MiB mostly beyond the cache.
/// </summary>
[MemoryDiagnoser]
public abstract class ReductionBenchmark<T> where T : unmanaged
{
    [Params(1 << 10, 1 << 16, 1 << 20, 8 << 20)]
    public int Bytes { get; set; }

    protected T[] Input { get; private set; } = [];
    protected T[] InOut { get; private set; } = [];

    protected abstract Op Op { get; }

    /// <summary>The baseline: <c>inOut[i] = input[i] ∘ inOut[i]</c>, one element at a time.</summary>
    protected abstract void ScalarLoop(ReadOnlySpan<T> input, Span<T> inOut);

    [GlobalSetup]
    public void Setup()
    {
        int n = Bytes / Marshal.SizeOf<T>();
        Input = new T[n];
        InOut = new T[n];
        var rng = new Random(42);
        Fill(rng, Input);
        Fill(rng, InOut);
        Op.Validate<T>();
    }

    /// <summary>Operand values; the default is random bits.</summary>
    protected virtual void Fill(Random rng, Span<T> values) => rng.NextBytes(MemoryMarshal.AsBytes(values));

    [Benchmark(Baseline = true)]
    public void Scalar() => ScalarLoop(Input, InOut);

    [Benchmark]
    public void Vectorized() => Op.Apply<T>(Input, InOut);
}
