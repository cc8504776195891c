using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HpcMsg.Reductions;

// The predefined ops on the element types programs reduce most (int, uint, long, ulong, float, double),
// written per type without generic math: crossgen2 leaves any method that calls a static virtual member
// (INumber<T>'s operators included) to the JIT, so the generic operators in ArithmeticOperators.cs,
// BitwiseOperators.cs and MinMaxOperators.cs cannot be precompiled. With these, ElementwiseLoop.Run for
// these types is precompiled in the ReadyToRun library and a program's first reduction runs at once.
// Each struct implements the operator interface once per type (overloads by parameter type); every form
// gives the same bits as the generic operator it stands for.

/// <summary><c>x + y</c> (integers wrap), as <see cref="SumOperator{T}"/>.</summary>
internal readonly struct PrimitiveSum : IVectorOperator<int>, IVectorOperator<uint>, IVectorOperator<long>, IVectorOperator<ulong>, IVectorOperator<float>, IVectorOperator<double>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Invoke(int x, int y) => unchecked(x + y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<int> Invoke(Vector128<int> x, Vector128<int> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> Invoke(Vector256<int> x, Vector256<int> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Invoke(uint x, uint y) => unchecked(x + y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<uint> Invoke(Vector128<uint> x, Vector128<uint> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<uint> Invoke(Vector256<uint> x, Vector256<uint> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Invoke(long x, long y) => unchecked(x + y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<long> Invoke(Vector128<long> x, Vector128<long> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<long> Invoke(Vector256<long> x, Vector256<long> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Invoke(ulong x, ulong y) => unchecked(x + y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<ulong> Invoke(Vector128<ulong> x, Vector128<ulong> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> Invoke(Vector256<ulong> x, Vector256<ulong> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x, float y) => unchecked(x + y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Invoke(double x, double y) => unchecked(x + y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<double> Invoke(Vector128<double> x, Vector128<double> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<double> Invoke(Vector256<double> x, Vector256<double> y) => x + y;
}

/// <summary><c>x * y</c> (integers wrap), as <see cref="ProdOperator{T}"/>; 64-bit integers have the scalar form only.</summary>
internal readonly struct PrimitiveProd : IVectorOperator<int>, IVectorOperator<uint>, IScalarOperator<long>, IScalarOperator<ulong>, IVectorOperator<float>, IVectorOperator<double>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Invoke(int x, int y) => unchecked(x * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<int> Invoke(Vector128<int> x, Vector128<int> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> Invoke(Vector256<int> x, Vector256<int> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Invoke(uint x, uint y) => unchecked(x * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<uint> Invoke(Vector128<uint> x, Vector128<uint> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<uint> Invoke(Vector256<uint> x, Vector256<uint> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Invoke(long x, long y) => unchecked(x * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Invoke(ulong x, ulong y) => unchecked(x * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x, float y) => unchecked(x * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Invoke(double x, double y) => unchecked(x * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<double> Invoke(Vector128<double> x, Vector128<double> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<double> Invoke(Vector256<double> x, Vector256<double> y) => x * y;
}

/// <summary><c>min(x, y)</c>, as <see cref="MinOperator{T}"/>: IEEE 754 minimum for float and double (NaN propagates, x's when both are NaN; -0 &lt; +0).</summary>
internal readonly struct PrimitiveMin : IVectorOperator<int>, IVectorOperator<uint>, IVectorOperator<long>, IVectorOperator<ulong>, IVectorOperator<float>, IVectorOperator<double>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Invoke(int x, int y) => x < y ? x : y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<int> Invoke(Vector128<int> x, Vector128<int> y) => Vector128.Min(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> Invoke(Vector256<int> x, Vector256<int> y) => Vector256.Min(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Invoke(uint x, uint y) => x < y ? x : y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<uint> Invoke(Vector128<uint> x, Vector128<uint> y) => Vector128.Min(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<uint> Invoke(Vector256<uint> x, Vector256<uint> y) => Vector256.Min(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Invoke(long x, long y) => x < y ? x : y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<long> Invoke(Vector128<long> x, Vector128<long> y) => Vector128.Min(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<long> Invoke(Vector256<long> x, Vector256<long> y) => Vector256.Min(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Invoke(ulong x, ulong y) => x < y ? x : y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<ulong> Invoke(Vector128<ulong> x, Vector128<ulong> y) => Vector128.Min(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> Invoke(Vector256<ulong> x, Vector256<ulong> y) => Vector256.Min(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x, float y) => x < y || float.IsNaN(x) || (x == y && BitConverter.SingleToInt32Bits(x) < 0) ? x : y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Vector128.ConditionalSelect(Vector128.LessThan(x, y) | Vector128.IsNaN(x) | (Vector128.Equals(x, y) & Vector128.IsNegative(x)), x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.ConditionalSelect(Vector256.LessThan(x, y) | Vector256.IsNaN(x) | (Vector256.Equals(x, y) & Vector256.IsNegative(x)), x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Invoke(double x, double y) => x < y || double.IsNaN(x) || (x == y && BitConverter.DoubleToInt64Bits(x) < 0) ? x : y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<double> Invoke(Vector128<double> x, Vector128<double> y) => Vector128.ConditionalSelect(Vector128.LessThan(x, y) | Vector128.IsNaN(x) | (Vector128.Equals(x, y) & Vector128.IsNegative(x)), x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<double> Invoke(Vector256<double> x, Vector256<double> y) => Vector256.ConditionalSelect(Vector256.LessThan(x, y) | Vector256.IsNaN(x) | (Vector256.Equals(x, y) & Vector256.IsNegative(x)), x, y);
}

/// <summary><c>max(x, y)</c>, as <see cref="MaxOperator{T}"/>: IEEE 754 maximum for float and double (NaN propagates, x's when both are NaN; +0 &gt; -0).</summary>
internal readonly struct PrimitiveMax : IVectorOperator<int>, IVectorOperator<uint>, IVectorOperator<long>, IVectorOperator<ulong>, IVectorOperator<float>, IVectorOperator<double>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Invoke(int x, int y) => x > y ? x : y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<int> Invoke(Vector128<int> x, Vector128<int> y) => Vector128.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> Invoke(Vector256<int> x, Vector256<int> y) => Vector256.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Invoke(uint x, uint y) => x > y ? x : y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<uint> Invoke(Vector128<uint> x, Vector128<uint> y) => Vector128.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<uint> Invoke(Vector256<uint> x, Vector256<uint> y) => Vector256.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Invoke(long x, long y) => x > y ? x : y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<long> Invoke(Vector128<long> x, Vector128<long> y) => Vector128.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<long> Invoke(Vector256<long> x, Vector256<long> y) => Vector256.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Invoke(ulong x, ulong y) => x > y ? x : y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<ulong> Invoke(Vector128<ulong> x, Vector128<ulong> y) => Vector128.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> Invoke(Vector256<ulong> x, Vector256<ulong> y) => Vector256.Max(x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x, float y) => x > y || float.IsNaN(x) || (x == y && BitConverter.SingleToInt32Bits(y) < 0) ? x : y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<float> Invoke(Vector128<float> x, Vector128<float> y) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, y) | Vector128.IsNaN(x) | (Vector128.Equals(x, y) & Vector128.IsNegative(y)), x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, y) | Vector256.IsNaN(x) | (Vector256.Equals(x, y) & Vector256.IsNegative(y)), x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Invoke(double x, double y) => x > y || double.IsNaN(x) || (x == y && BitConverter.DoubleToInt64Bits(y) < 0) ? x : y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<double> Invoke(Vector128<double> x, Vector128<double> y) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, y) | Vector128.IsNaN(x) | (Vector128.Equals(x, y) & Vector128.IsNegative(y)), x, y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<double> Invoke(Vector256<double> x, Vector256<double> y) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, y) | Vector256.IsNaN(x) | (Vector256.Equals(x, y) & Vector256.IsNegative(y)), x, y);
}

/// <summary><c>x &amp; y</c>, as <see cref="BitAndOperator{T}"/>.</summary>
internal readonly struct PrimitiveBitAnd : IVectorOperator<int>, IVectorOperator<uint>, IVectorOperator<long>, IVectorOperator<ulong>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Invoke(int x, int y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<int> Invoke(Vector128<int> x, Vector128<int> y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> Invoke(Vector256<int> x, Vector256<int> y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Invoke(uint x, uint y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<uint> Invoke(Vector128<uint> x, Vector128<uint> y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<uint> Invoke(Vector256<uint> x, Vector256<uint> y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Invoke(long x, long y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<long> Invoke(Vector128<long> x, Vector128<long> y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<long> Invoke(Vector256<long> x, Vector256<long> y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Invoke(ulong x, ulong y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<ulong> Invoke(Vector128<ulong> x, Vector128<ulong> y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> Invoke(Vector256<ulong> x, Vector256<ulong> y) => x & y;
}

/// <summary><c>x | y</c>, as <see cref="BitOrOperator{T}"/>.</summary>
internal readonly struct PrimitiveBitOr : IVectorOperator<int>, IVectorOperator<uint>, IVectorOperator<long>, IVectorOperator<ulong>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Invoke(int x, int y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<int> Invoke(Vector128<int> x, Vector128<int> y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> Invoke(Vector256<int> x, Vector256<int> y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Invoke(uint x, uint y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<uint> Invoke(Vector128<uint> x, Vector128<uint> y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<uint> Invoke(Vector256<uint> x, Vector256<uint> y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Invoke(long x, long y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<long> Invoke(Vector128<long> x, Vector128<long> y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<long> Invoke(Vector256<long> x, Vector256<long> y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Invoke(ulong x, ulong y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<ulong> Invoke(Vector128<ulong> x, Vector128<ulong> y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> Invoke(Vector256<ulong> x, Vector256<ulong> y) => x | y;
}

/// <summary><c>x ^ y</c>, as <see cref="BitXorOperator{T}"/>.</summary>
internal readonly struct PrimitiveBitXor : IVectorOperator<int>, IVectorOperator<uint>, IVectorOperator<long>, IVectorOperator<ulong>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Invoke(int x, int y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<int> Invoke(Vector128<int> x, Vector128<int> y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> Invoke(Vector256<int> x, Vector256<int> y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Invoke(uint x, uint y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<uint> Invoke(Vector128<uint> x, Vector128<uint> y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<uint> Invoke(Vector256<uint> x, Vector256<uint> y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Invoke(long x, long y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<long> Invoke(Vector128<long> x, Vector128<long> y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<long> Invoke(Vector256<long> x, Vector256<long> y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Invoke(ulong x, ulong y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<ulong> Invoke(Vector128<ulong> x, Vector128<ulong> y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<ulong> Invoke(Vector256<ulong> x, Vector256<ulong> y) => x ^ y;
}
