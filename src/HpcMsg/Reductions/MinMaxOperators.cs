using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HpcMsg.Reductions;

/// <summary>
/// <c>min(x, y)</c>. For IEEE floating point it is IEEE 754:2019 <c>minimum</c>, exactly as
/// <see cref="Math.Min(double, double)"/>: a NaN operand propagates (<c>x</c>'s NaN when both are NaN, so
/// the lower ranks' payload wins), and -0 is less than +0. The vector forms compute the same selection
/// lane by lane, so the bits of a result never depend on the position or alignment of the element.
/// </summary>
internal readonly struct MinOperator<T> : IVectorOperator<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Invoke(T x, T y)
    {
        if (FloatingPoint.IsIeee<T>())
            return x < y || T.IsNaN(x) || (x == y && T.IsNegative(x)) ? x : y;
        return x < y ? x : y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) =>
        FloatingPoint.IsIeee<T>()
            ? Vector128.ConditionalSelect(
                Vector128.LessThan(x, y) | Vector128.IsNaN(x) | (Vector128.Equals(x, y) & Vector128.IsNegative(x)), x, y)
            : Vector128.Min(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) =>
        FloatingPoint.IsIeee<T>()
            ? Vector256.ConditionalSelect(
                Vector256.LessThan(x, y) | Vector256.IsNaN(x) | (Vector256.Equals(x, y) & Vector256.IsNegative(x)), x, y)
            : Vector256.Min(x, y);
}

/// <summary>
/// <c>max(x, y)</c>. For IEEE floating point it is IEEE 754:2019 <c>maximum</c>, exactly as
/// <see cref="Math.Max(double, double)"/>: a NaN operand propagates (<c>x</c>'s NaN when both are NaN),
/// and +0 is greater than -0. Vector and scalar forms select identically.
/// </summary>
internal readonly struct MaxOperator<T> : IVectorOperator<T> where T : unmanaged, INumber<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Invoke(T x, T y)
    {
        if (FloatingPoint.IsIeee<T>())
            return x > y || T.IsNaN(x) || (x == y && T.IsNegative(y)) ? x : y;
        return x > y ? x : y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) =>
        FloatingPoint.IsIeee<T>()
            ? Vector128.ConditionalSelect(
                Vector128.GreaterThan(x, y) | Vector128.IsNaN(x) | (Vector128.Equals(x, y) & Vector128.IsNegative(y)), x, y)
            : Vector128.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) =>
        FloatingPoint.IsIeee<T>()
            ? Vector256.ConditionalSelect(
                Vector256.GreaterThan(x, y) | Vector256.IsNaN(x) | (Vector256.Equals(x, y) & Vector256.IsNegative(y)), x, y)
            : Vector256.Max(x, y);
}

/// <summary>Which element types have IEEE NaN and signed zero; folded by the JIT for each value type.</summary>
internal static class FloatingPoint
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsIeee<T>() =>
        typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(Half);
}
