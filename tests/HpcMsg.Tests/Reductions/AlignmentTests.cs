using System.Numerics;

namespace HpcMsg.Tests.Reductions;

/// <summary>Long runs start their main loop at a vector-aligned destination element, with an unaligned
/// head vector stored last; every alignment phase and every aliasing of the destination must still give
/// the reference result.</summary>
public sealed class AlignmentTests
{
    [Fact]
    public void EveryAlignmentPhaseOfBytes() => EveryPhase<byte>(Op.Sum, Reference.Sum, 64, 1000);

    [Fact]
    public void EveryAlignmentPhaseOfShorts() => EveryPhase<short>(Op.Max, Reference.IntMax, 32, 777);

    [Fact]
    public void EveryAlignmentPhaseOfDoubles() => EveryPhase<double>(Op.Prod, Reference.Prod, 8, 301);

    [Fact]
    public void EveryAlignmentPhaseOfLongs() => EveryPhase<long>(Op.BitXor, Reference.Xor, 8, 130);

    private static void EveryPhase<T>(Op op, Func<T, T, T> reference, int phases, int length) where T : unmanaged, INumberBase<T>
    {
        var rng = new Random(length);
        foreach (int n in new[] { length, length / 2, 200, 129, 128, 127, 64 })
        {
            for (int phase = 0; phase < phases; phase++)
            {
                T[] lower = new T[n + phases + 1], higher = new T[n + phases + 1];
                Fill.RandomBits<T>(rng, lower);
                Fill.RandomBits<T>(rng, higher);
                if (typeof(T) == typeof(double)) // finite operands: products stay ordinary numbers or ±Inf, never NaN
                {
                    for (int i = 0; i < lower.Length; i++)
                    {
                        lower[i] = T.CreateTruncating(rng.NextDouble() * 4 - 2);
                        higher[i] = T.CreateTruncating(rng.NextDouble() * 4 - 2);
                    }
                }
                T[] expected = new T[n];
                int lowerPhase = (phase * 7) % phases; // the operands need not share the destination's phase
                for (int i = 0; i < n; i++) expected[i] = reference(lower[lowerPhase + i], higher[phase + i]);

                // In place (the two-operand form).
                T[] inOut = (T[])higher.Clone();
                op.Apply<T>(lower.AsSpan(lowerPhase, n), inOut.AsSpan(phase, n));
                ReductionCheck.AssertBitsEqual<T>(expected, inOut.AsSpan(phase, n), $"{op} in place, n {n}, phase {phase}");
                ReductionCheck.AssertBitsEqual<T>(higher.AsSpan(0, phase), inOut.AsSpan(0, phase), "before the slice");
                ReductionCheck.AssertBitsEqual<T>(higher.AsSpan(phase + n), inOut.AsSpan(phase + n), "after the slice");

                // Into the lower operand.
                T[] intoLower = (T[])lower.Clone();
                op.Apply<T>(intoLower.AsSpan(lowerPhase, n), higher.AsSpan(phase, n), intoLower.AsSpan(lowerPhase, n));
                ReductionCheck.AssertBitsEqual<T>(expected, intoLower.AsSpan(lowerPhase, n), $"{op} into lower, n {n}, phase {phase}");

                // Into a third buffer.
                T[] dest = new T[n + phases];
                op.Apply<T>(lower.AsSpan(lowerPhase, n), higher.AsSpan(phase, n), dest.AsSpan((phase * 3) % phases, n));
                ReductionCheck.AssertBitsEqual<T>(expected, dest.AsSpan((phase * 3) % phases, n), $"{op} into a third buffer, n {n}, phase {phase}");
            }
        }
    }
}
