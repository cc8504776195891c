using System.Diagnostics.CodeAnalysis;

namespace HpcMsg.Reductions;

/// <summary>Which predefined op is defined for which element type, and the errors that say so.</summary>
internal static class ReductionSupport
{
    public static bool Supports(OpKind kind, ElementType type) => kind switch
    {
        OpKind.Sum or OpKind.Prod or OpKind.Min or OpKind.Max => ElementTypes.IsInteger(type) || ElementTypes.IsNonInteger(type),
        OpKind.BitAnd or OpKind.BitOr or OpKind.BitXor => ElementTypes.IsInteger(type),
        _ => false,
    };

    [DoesNotReturn]
    public static void ThrowUnsupported(OpKind kind, Type elementType) =>
        throw new ArgumentException(
            $"Op.{kind} is not defined for {elementType.FullName}; "
            + (kind is OpKind.BitAnd or OpKind.BitOr or OpKind.BitXor
                ? "bitwise ops take integer types (sbyte, byte, short, ushort, int, uint, long, ulong, nint, nuint, Int128, UInt128)"
                : "predefined ops take numeric primitives (integer types, float, double, Half, decimal); use Op.Create for other types"),
            "op");

    /// <summary>As <see cref="ThrowUnsupported(OpKind, Type)"/> where only the element type's code is known
    /// (the public methods have checked the pair before, so this is a safety net).</summary>
    [DoesNotReturn]
    public static void ThrowUnsupported(OpKind kind, ElementType type) =>
        throw new ArgumentException($"Op.{kind} is not defined for element type {type}", "op");

    [DoesNotReturn]
    public static void ThrowUnsupported(OpKind kind) =>
        throw new ArgumentException($"Op.{kind} is not a predefined elementwise op", "op");

    [DoesNotReturn]
    public static void ThrowUserTypeMismatch<T>(Op op, Type createdFor) => ThrowUserTypeMismatch(op, createdFor, typeof(T));

    [DoesNotReturn]
    public static void ThrowUserTypeMismatch(Op op, Type createdFor, Type used) =>
        throw new ArgumentException(
            $"{op} was created for {createdFor.FullName} and cannot be used with {used.FullName}", "op");
}
