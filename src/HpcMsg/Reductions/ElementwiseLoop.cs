using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HpcMsg.Reductions;

/// <summary>
/// <c>d[i] = TOp(x[i], y[i])</c> over <c>length</c> elements: 256-bit vectors first (unrolled four
/// times), then 128-bit ones, then a scalar tail. <c>T</c> must be a type with hardware vectors
/// (<see cref="RunScalar"/> serves the others).
/// For longer runs the main loop starts at the first vector-aligned element of <c>d</c> (misaligned
/// 64-byte accesses cost 20-50% in cache); the elements before it are covered by one unaligned head vector
/// computed from the original operands up front and stored after the loop, so the elements it shares
/// with the loop's first block are written twice with the same bits. Which form handles an element thus
/// depends on length and address, but the operators give the same bits in every form, so results do not.
/// <c>d</c> may be the very same memory as <c>x</c> or <c>y</c> (each block is loaded before it is
/// stored) but must not partially overlap either.
/// Not marked AggressiveOptimization, without Vector512 and without static virtual calls: crossgen2
/// skips methods with any of them, and
/// these must be precompiled in the ReadyToRun library (each (type, op) jitted at full optimisation
/// took 3-60 ms at a program's first reduction). The library is precompiled for x86-64-v3 (AVX2), so
/// <see cref="Vector256"/> is accelerated in the precompiled code; elsewhere the JIT compiles it.
/// </summary>
internal static partial class ElementwiseLoop
{
    /// <summary>Runs shorter than this many vectors are not worth aligning.</summary>
    private const int AlignFromVectors = 8;

    public static unsafe void Run<T, TOp>(ref T x, ref T y, ref T d, nuint length)
        where T : unmanaged
        where TOp : struct, IVectorOperator<T>
    {
        TOp op = default;
        nuint i = 0;
        // Avx2.IsSupported, not Vector256.IsHardwareAccelerated: crossgen2 leaves the latter to the JIT
        // (a runtime setting can change it), while the former is a constant of the image's instruction
        // set. With AVX2, 256-bit operations on every element type here are instructions.
        if (Avx2.IsSupported && length >= (nuint)Vector256<T>.Count)
        {
            nuint w = (nuint)Vector256<T>.Count;
            Vector256<T> head = default;
            bool aligned = false;
            if (length >= AlignFromVectors * w)
            {
                nuint misalignment = (nuint)Unsafe.AsPointer(ref d) % (nuint)Vector256<byte>.Count;
                if (misalignment != 0 && misalignment % (nuint)sizeof(T) == 0)
                {
                    head = op.Invoke(Vector256.LoadUnsafe(ref x), Vector256.LoadUnsafe(ref y));
                    i = ((nuint)Vector256<byte>.Count - misalignment) / (nuint)sizeof(T);
                    aligned = true;
                }
            }
            for (; i + 4 * w <= length; i += 4 * w)
            {
                Vector256<T> r0 = op.Invoke(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i));
                Vector256<T> r1 = op.Invoke(Vector256.LoadUnsafe(ref x, i + w), Vector256.LoadUnsafe(ref y, i + w));
                Vector256<T> r2 = op.Invoke(Vector256.LoadUnsafe(ref x, i + 2 * w), Vector256.LoadUnsafe(ref y, i + 2 * w));
                Vector256<T> r3 = op.Invoke(Vector256.LoadUnsafe(ref x, i + 3 * w), Vector256.LoadUnsafe(ref y, i + 3 * w));
                r0.StoreUnsafe(ref d, i);
                r1.StoreUnsafe(ref d, i + w);
                r2.StoreUnsafe(ref d, i + 2 * w);
                r3.StoreUnsafe(ref d, i + 3 * w);
            }
            for (; i + w <= length; i += w)
                op.Invoke(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i)).StoreUnsafe(ref d, i);
            if (aligned) head.StoreUnsafe(ref d);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            nuint w = (nuint)Vector128<T>.Count;
            for (; i + w <= length; i += w)
                op.Invoke(Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref y, i)).StoreUnsafe(ref d, i);
        }

        for (; i < length; i++)
            Unsafe.Add(ref d, i) = op.Invoke(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i));
    }

    /// <summary>The scalar loop alone: for element types without hardware vectors (Int128, UInt128,
    /// Half, decimal) and ops whose vector form is slower than the scalar one (64-bit multiply).</summary>
    public static void RunScalar<T, TOp>(ref T x, ref T y, ref T d, nuint length)
        where T : unmanaged
        where TOp : struct, IScalarOperator<T>
    {
        TOp op = default;
        for (nuint i = 0; i < length; i++)
            Unsafe.Add(ref d, i) = op.Invoke(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i));
    }
}
