using System.Runtime.Intrinsics;

namespace HpcMsg.Reductions;

/// <summary>
/// One binary operation in scalar and vector form, so that <see cref="ElementwiseLoop"/> serves every
/// predefined op. <c>x</c> is always the operand from the lower ranks (MPI's <c>input</c>), <c>y</c> the
/// one from the higher ranks; every form must give bit-identical results for the same element, so that a
/// result never depends on whether an element fell in a vector or in the scalar tail.
/// </summary>
internal interface IReductionOperator<T> where T : unmanaged
{
    /// <summary>False where the vector forms would be slower than the scalar one on this machine
    /// (e.g. 64-bit integer multiply without AVX-512DQ); a JIT-time constant.</summary>
    static abstract bool IsVectorizable { get; }

    static abstract T Invoke(T x, T y);
    static abstract Vector128<T> Invoke(Vector128<T> x, Vector128<T> y);
    static abstract Vector256<T> Invoke(Vector256<T> x, Vector256<T> y);
    static abstract Vector512<T> Invoke(Vector512<T> x, Vector512<T> y);
}
