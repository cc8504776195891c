using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcMsg.Reductions;

/// <summary>
/// Maps (op, element type) to a specialised <see cref="ElementwiseLoop"/>. The <c>typeof(T)</c> chain is
/// folded by the JIT (T is always a value type here), so each instantiation compiles to one direct call;
/// the refs are reinterpreted, never copied. Nothing here allocates.
/// </summary>
internal static class ReductionKernels
{
    /// <summary><c>d[i] = x[i] ∘ y[i]</c> for a predefined op; the caller has checked lengths and
    /// <see cref="ReductionSupport.Supports{T}(OpKind)"/> (an unsupported pair still throws here).</summary>
    public static void Apply<T>(OpKind kind, ref T x, ref T y, ref T d, nuint n) where T : unmanaged
    {
        if (typeof(T) == typeof(int)) Integer(kind, ref As<T, int>(ref x), ref As<T, int>(ref y), ref As<T, int>(ref d), n);
        else if (typeof(T) == typeof(double)) Numeric(kind, ref As<T, double>(ref x), ref As<T, double>(ref y), ref As<T, double>(ref d), n);
        else if (typeof(T) == typeof(long)) Integer(kind, ref As<T, long>(ref x), ref As<T, long>(ref y), ref As<T, long>(ref d), n);
        else if (typeof(T) == typeof(float)) Numeric(kind, ref As<T, float>(ref x), ref As<T, float>(ref y), ref As<T, float>(ref d), n);
        else if (typeof(T) == typeof(uint)) Integer(kind, ref As<T, uint>(ref x), ref As<T, uint>(ref y), ref As<T, uint>(ref d), n);
        else if (typeof(T) == typeof(ulong)) Integer(kind, ref As<T, ulong>(ref x), ref As<T, ulong>(ref y), ref As<T, ulong>(ref d), n);
        else if (typeof(T) == typeof(byte)) Integer(kind, ref As<T, byte>(ref x), ref As<T, byte>(ref y), ref As<T, byte>(ref d), n);
        else if (typeof(T) == typeof(sbyte)) Integer(kind, ref As<T, sbyte>(ref x), ref As<T, sbyte>(ref y), ref As<T, sbyte>(ref d), n);
        else if (typeof(T) == typeof(short)) Integer(kind, ref As<T, short>(ref x), ref As<T, short>(ref y), ref As<T, short>(ref d), n);
        else if (typeof(T) == typeof(ushort)) Integer(kind, ref As<T, ushort>(ref x), ref As<T, ushort>(ref y), ref As<T, ushort>(ref d), n);
        else if (typeof(T) == typeof(nint)) Integer(kind, ref As<T, nint>(ref x), ref As<T, nint>(ref y), ref As<T, nint>(ref d), n);
        else if (typeof(T) == typeof(nuint)) Integer(kind, ref As<T, nuint>(ref x), ref As<T, nuint>(ref y), ref As<T, nuint>(ref d), n);
        // Scalar only (no hardware vectors of these types), for completeness of "every numeric primitive".
        else if (typeof(T) == typeof(Int128)) Integer(kind, ref As<T, Int128>(ref x), ref As<T, Int128>(ref y), ref As<T, Int128>(ref d), n);
        else if (typeof(T) == typeof(UInt128)) Integer(kind, ref As<T, UInt128>(ref x), ref As<T, UInt128>(ref y), ref As<T, UInt128>(ref d), n);
        else if (typeof(T) == typeof(Half)) Numeric(kind, ref As<T, Half>(ref x), ref As<T, Half>(ref y), ref As<T, Half>(ref d), n);
        else if (typeof(T) == typeof(decimal)) Numeric(kind, ref As<T, decimal>(ref x), ref As<T, decimal>(ref y), ref As<T, decimal>(ref d), n);
        else ReductionSupport.ThrowUnsupported<T>(kind);
    }

    private static void Integer<T>(OpKind kind, ref T x, ref T y, ref T d, nuint n) where T : unmanaged, IBinaryInteger<T>
    {
        switch (kind)
        {
            case OpKind.BitAnd: ElementwiseLoop.Run<T, BitAndOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.BitOr: ElementwiseLoop.Run<T, BitOrOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.BitXor: ElementwiseLoop.Run<T, BitXorOperator<T>>(ref x, ref y, ref d, n); break;
            default: Numeric(kind, ref x, ref y, ref d, n); break;
        }
    }

    private static void Numeric<T>(OpKind kind, ref T x, ref T y, ref T d, nuint n) where T : unmanaged, INumber<T>
    {
        switch (kind)
        {
            case OpKind.Sum: ElementwiseLoop.Run<T, SumOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.Prod: ElementwiseLoop.Run<T, ProdOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.Min: ElementwiseLoop.Run<T, MinOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.Max: ElementwiseLoop.Run<T, MaxOperator<T>>(ref x, ref y, ref d, n); break;
            default: ReductionSupport.ThrowUnsupported<T>(kind); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref TTo As<TFrom, TTo>(ref TFrom source) => ref Unsafe.As<TFrom, TTo>(ref source);
}
