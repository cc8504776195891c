using System.Diagnostics.CodeAnalysis;

namespace HpcMsg.Reductions;

/// <summary>Which predefined op is defined for which element type, and the errors that say so.</summary>
internal static class ReductionSupport
{
    /// <summary>sbyte … nuint, Int128, UInt128: every op.</summary>
    public static bool IsInteger<T>() =>
        typeof(T) == typeof(sbyte) || typeof(T) == typeof(byte) || typeof(T) == typeof(short) || typeof(T) == typeof(ushort)
        || typeof(T) == typeof(int) || typeof(T) == typeof(uint) || typeof(T) == typeof(long) || typeof(T) == typeof(ulong)
        || typeof(T) == typeof(nint) || typeof(T) == typeof(nuint) || typeof(T) == typeof(Int128) || typeof(T) == typeof(UInt128);

    /// <summary>float, double, Half, decimal: Sum, Prod, Min, Max.</summary>
    public static bool IsNonInteger<T>() =>
        typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(Half) || typeof(T) == typeof(decimal);

    public static bool Supports<T>(OpKind kind) => kind switch
    {
        OpKind.Sum or OpKind.Prod or OpKind.Min or OpKind.Max => IsInteger<T>() || IsNonInteger<T>(),
        OpKind.BitAnd or OpKind.BitOr or OpKind.BitXor => IsInteger<T>(),
        _ => false,
    };

    [DoesNotReturn]
    public static void ThrowUnsupported<T>(OpKind kind) =>
        throw new ArgumentException(
            $"Op.{kind} is not defined for {typeof(T).FullName}; "
            + (kind is OpKind.BitAnd or OpKind.BitOr or OpKind.BitXor
                ? "bitwise ops take integer types (sbyte, byte, short, ushort, int, uint, long, ulong, nint, nuint, Int128, UInt128)"
                : "predefined ops take numeric primitives (integer types, float, double, Half, decimal); use Op.Create for other types"),
            "op");

    [DoesNotReturn]
    public static void ThrowUserTypeMismatch<T>(Op op, Type createdFor) =>
        throw new ArgumentException(
            $"{op} was created for {createdFor.FullName} and cannot be used with {typeof(T).FullName}", "op");
}
