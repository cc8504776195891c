using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HpcMsg.Reductions;

/// <summary><c>x + y</c>; integers wrap (unchecked) as in MPI. Elementwise, so deterministic by construction.</summary>
internal readonly struct SumOperator<T> : IReductionOperator<T> where T : unmanaged, INumberBase<T>
{
    public static bool IsVectorizable => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke(T x, T y) => unchecked(x + y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => x + y;
}

/// <summary><c>x * y</c>; integers wrap (unchecked) as in MPI.</summary>
internal readonly struct ProdOperator<T> : IReductionOperator<T> where T : unmanaged, INumberBase<T>
{
    /// <summary>x86 multiplies 64-bit lanes in hardware only with AVX-512DQ (VPMULLQ); without it the
    /// vector multiply is emulated and slower than scalar IMUL.</summary>
    public static bool IsVectorizable =>
        !(typeof(T) == typeof(long) || typeof(T) == typeof(ulong) || typeof(T) == typeof(nint) || typeof(T) == typeof(nuint))
        || IntPtr.Size == 4
        || Avx512DQ.VL.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke(T x, T y) => unchecked(x * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => x * y;
}
