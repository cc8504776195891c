using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HpcMsg.Reductions;

/// <summary><c>x + y</c>; integers wrap (unchecked) as in MPI. Elementwise, so deterministic by construction.</summary>
internal readonly struct SumOperator<T> : IVectorOperator<T> where T : unmanaged, INumberBase<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Invoke(T x, T y) => unchecked(x + y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x + y;
}

/// <summary><c>x * y</c>; integers wrap (unchecked) as in MPI. 64-bit integers take the scalar loop
/// (<see cref="ReductionKernels"/>): x86 multiplies 64-bit lanes in hardware only with AVX-512DQ, and
/// emulated vector multiplies are slower than scalar IMUL.</summary>
internal readonly struct ProdOperator<T> : IVectorOperator<T> where T : unmanaged, INumberBase<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Invoke(T x, T y) => unchecked(x * y);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => x * y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x * y;
}
