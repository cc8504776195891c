using System.Diagnostics.CodeAnalysis;

namespace HpcMsg.Internal;

/// <summary>Keeps argument-error construction (and its string formatting) out of the hot methods.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void RankOutOfRange(string name, int value, int size, bool wildcardAllowed) =>
        throw new ArgumentOutOfRangeException(name, value, wildcardAllowed
            ? $"{name} must be a rank in [0, {size - 1}] or Communicator.AnySource (-1); got {value}"
            : $"{name} must be a rank in [0, {size - 1}]; got {value}");

    [DoesNotReturn]
    public static void TagOutOfRange(string name, int value, int upper, bool wildcardAllowed) =>
        throw new ArgumentOutOfRangeException(name, value, wildcardAllowed
            ? $"{name} must be in [0, {upper}] or Communicator.AnyTag (-1); got {value}"
            : $"{name} must be in [0, {upper}]; got {value}");

    [DoesNotReturn]
    public static void Disposed() =>
        throw new ObjectDisposedException("Communicator", "this communicator has been disposed");

    /// <summary>A collective's scratch request beyond the pool's largest class: a memory limit, as
    /// the allocation's own failure would be (Internal names no exception of the API).</summary>
    [DoesNotReturn]
    public static void ScratchTooLarge(long bytes, long limit) =>
        throw new OutOfMemoryException($"a collective needs {bytes} bytes of scratch memory, more than the {limit}-byte limit");
}
