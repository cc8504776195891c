using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HpcMsg.Reductions;

/// <summary><c>x &amp; y</c>, for integer types only.</summary>
internal readonly struct BitAndOperator<T> : IReductionOperator<T> where T : unmanaged, IBinaryInteger<T>
{
    public static bool IsVectorizable => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke(T x, T y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x & y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => x & y;
}

/// <summary><c>x | y</c>, for integer types only.</summary>
internal readonly struct BitOrOperator<T> : IReductionOperator<T> where T : unmanaged, IBinaryInteger<T>
{
    public static bool IsVectorizable => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke(T x, T y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x | y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => x | y;
}

/// <summary><c>x ^ y</c>, for integer types only.</summary>
internal readonly struct BitXorOperator<T> : IReductionOperator<T> where T : unmanaged, IBinaryInteger<T>
{
    public static bool IsVectorizable => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke(T x, T y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x ^ y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => x ^ y;
}
