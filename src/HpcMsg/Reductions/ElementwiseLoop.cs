using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HpcMsg.Reductions;

/// <summary>
/// <c>d[i] = TOp(x[i], y[i])</c> over <c>length</c> elements: the widest hardware-accelerated
/// vectors first (unrolled four times), then at most one step of each narrower width, then a scalar tail.
/// For longer runs the main loop starts at the first vector-aligned element of <c>d</c> (misaligned
/// 64-byte accesses cost 20-50% in cache); the elements before it are covered by one unaligned head vector
/// computed from the original operands up front and stored after the loop, so the elements it shares
/// with the loop's first block are written twice with the same bits. Which form handles an element thus
/// depends on length and address, but the operators give the same bits in every form, so results do not.
/// <c>d</c> may be the very same memory as <c>x</c> or <c>y</c> (each block is loaded before it is
/// stored) but must not partially overlap either.
/// </summary>
internal static class ElementwiseLoop
{
    /// <summary>Runs shorter than this many vectors are not worth aligning.</summary>
    private const int AlignFromVectors = 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run<T, TOp>(ref T x, ref T y, ref T d, nuint length)
        where T : unmanaged
        where TOp : struct, IReductionOperator<T>
    {
        nuint i = 0;
        if (Vector128<T>.IsSupported && TOp.IsVectorizable)
        {
            if (Vector512.IsHardwareAccelerated && length >= (nuint)Vector512<T>.Count)
            {
                nuint w = (nuint)Vector512<T>.Count;
                Vector512<T> head = default;
                bool aligned = false;
                if (length >= AlignFromVectors * w)
                {
                    nuint misalignment = (nuint)Unsafe.AsPointer(ref d) % (nuint)Vector512<byte>.Count;
                    if (misalignment != 0 && misalignment % (nuint)sizeof(T) == 0)
                    {
                        head = TOp.Invoke(Vector512.LoadUnsafe(ref x), Vector512.LoadUnsafe(ref y));
                        i = ((nuint)Vector512<byte>.Count - misalignment) / (nuint)sizeof(T);
                        aligned = true;
                    }
                }
                for (; i + 4 * w <= length; i += 4 * w)
                {
                    Vector512<T> r0 = TOp.Invoke(Vector512.LoadUnsafe(ref x, i), Vector512.LoadUnsafe(ref y, i));
                    Vector512<T> r1 = TOp.Invoke(Vector512.LoadUnsafe(ref x, i + w), Vector512.LoadUnsafe(ref y, i + w));
                    Vector512<T> r2 = TOp.Invoke(Vector512.LoadUnsafe(ref x, i + 2 * w), Vector512.LoadUnsafe(ref y, i + 2 * w));
                    Vector512<T> r3 = TOp.Invoke(Vector512.LoadUnsafe(ref x, i + 3 * w), Vector512.LoadUnsafe(ref y, i + 3 * w));
                    r0.StoreUnsafe(ref d, i);
                    r1.StoreUnsafe(ref d, i + w);
                    r2.StoreUnsafe(ref d, i + 2 * w);
                    r3.StoreUnsafe(ref d, i + 3 * w);
                }
                for (; i + w <= length; i += w)
                    TOp.Invoke(Vector512.LoadUnsafe(ref x, i), Vector512.LoadUnsafe(ref y, i)).StoreUnsafe(ref d, i);
                if (aligned) head.StoreUnsafe(ref d);
            }

            if (Vector256.IsHardwareAccelerated && length - i >= (nuint)Vector256<T>.Count)
            {
                nuint w = (nuint)Vector256<T>.Count;
                Vector256<T> head = default;
                bool aligned = false;
                if (i == 0 && length >= AlignFromVectors * w)
                {
                    nuint misalignment = (nuint)Unsafe.AsPointer(ref d) % (nuint)Vector256<byte>.Count;
                    if (misalignment != 0 && misalignment % (nuint)sizeof(T) == 0)
                    {
                        head = TOp.Invoke(Vector256.LoadUnsafe(ref x), Vector256.LoadUnsafe(ref y));
                        i = ((nuint)Vector256<byte>.Count - misalignment) / (nuint)sizeof(T);
                        aligned = true;
                    }
                }
                for (; i + 4 * w <= length; i += 4 * w)
                {
                    Vector256<T> r0 = TOp.Invoke(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i));
                    Vector256<T> r1 = TOp.Invoke(Vector256.LoadUnsafe(ref x, i + w), Vector256.LoadUnsafe(ref y, i + w));
                    Vector256<T> r2 = TOp.Invoke(Vector256.LoadUnsafe(ref x, i + 2 * w), Vector256.LoadUnsafe(ref y, i + 2 * w));
                    Vector256<T> r3 = TOp.Invoke(Vector256.LoadUnsafe(ref x, i + 3 * w), Vector256.LoadUnsafe(ref y, i + 3 * w));
                    r0.StoreUnsafe(ref d, i);
                    r1.StoreUnsafe(ref d, i + w);
                    r2.StoreUnsafe(ref d, i + 2 * w);
                    r3.StoreUnsafe(ref d, i + 3 * w);
                }
                for (; i + w <= length; i += w)
                    TOp.Invoke(Vector256.LoadUnsafe(ref x, i), Vector256.LoadUnsafe(ref y, i)).StoreUnsafe(ref d, i);
                if (aligned) head.StoreUnsafe(ref d);
            }

            if (Vector128.IsHardwareAccelerated)
            {
                nuint w = (nuint)Vector128<T>.Count;
                for (; i + w <= length; i += w)
                    TOp.Invoke(Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref y, i)).StoreUnsafe(ref d, i);
            }
        }

        for (; i < length; i++)
            Unsafe.Add(ref d, i) = TOp.Invoke(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i));
    }
}
