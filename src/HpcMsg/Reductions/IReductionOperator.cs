using System.Runtime.Intrinsics;

namespace HpcMsg.Reductions;

/// <summary>
/// One binary operation on <typeparamref name="T"/> in scalar form. <c>x</c> is always the operand from
/// the lower ranks (MPI's <c>input</c>), <c>y</c> the one from the higher ranks.
/// The members are instance methods of a struct (called on <c>default(TOp)</c>), not static abstract
/// ones: crossgen2 leaves every method that calls a static virtual member to the JIT, and the kernels
/// must be precompiled in the ReadyToRun library so that a program's first reduction does not wait
/// for the JIT (3-60 ms for each type and op).
/// </summary>
internal interface IScalarOperator<T> where T : unmanaged
{
    T Invoke(T x, T y);
}

/// <summary>
/// An operation in scalar and vector form, so that <see cref="ElementwiseLoop"/> serves every predefined
/// op; every form must give bit-identical results for the same element, so that a result never depends
/// on whether an element fell in a vector or in the scalar tail. There is no 512-bit form: crossgen2
/// does not precompile code that uses Vector512, and for these memory-bound loops 256-bit vectors lose
/// little.
/// </summary>
internal interface IVectorOperator<T> : IScalarOperator<T> where T : unmanaged
{
    Vector128<T> Invoke(Vector128<T> x, Vector128<T> y);
    Vector256<T> Invoke(Vector256<T> x, Vector256<T> y);
}
