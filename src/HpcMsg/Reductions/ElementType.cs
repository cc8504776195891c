namespace HpcMsg.Reductions;

/// <summary>The element types the predefined ops are defined for, as a value: the typed public
/// methods turn their <c>T</c> into one of these, and the reduction code below them is not generic.</summary>
internal enum ElementType : byte
{
    /// <summary>Any other type (only user ops apply).</summary>
    Other,
    SByte,
    Byte,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    NInt,
    NUInt,
    Int128,
    UInt128,
    Half,
    Single,
    Double,
    Decimal,
}

internal static class ElementTypes
{
    /// <summary>The code of <typeparamref name="T"/>; the <c>typeof</c> chain folds to a constant for each
    /// value type when jitted optimised (inside the kernels' typed helpers).</summary>
    public static ElementType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(double)) return ElementType.Double;
        if (typeof(T) == typeof(int)) return ElementType.Int32;
        if (typeof(T) == typeof(long)) return ElementType.Int64;
        if (typeof(T) == typeof(float)) return ElementType.Single;
        if (typeof(T) == typeof(uint)) return ElementType.UInt32;
        if (typeof(T) == typeof(ulong)) return ElementType.UInt64;
        if (typeof(T) == typeof(byte)) return ElementType.Byte;
        if (typeof(T) == typeof(sbyte)) return ElementType.SByte;
        if (typeof(T) == typeof(short)) return ElementType.Int16;
        if (typeof(T) == typeof(ushort)) return ElementType.UInt16;
        if (typeof(T) == typeof(nint)) return ElementType.NInt;
        if (typeof(T) == typeof(nuint)) return ElementType.NUInt;
        if (typeof(T) == typeof(Int128)) return ElementType.Int128;
        if (typeof(T) == typeof(UInt128)) return ElementType.UInt128;
        if (typeof(T) == typeof(Half)) return ElementType.Half;
        if (typeof(T) == typeof(decimal)) return ElementType.Decimal;
        return ElementType.Other;
    }

    /// <summary>The code of <paramref name="type"/>, not generic, so precompiled: the typed public methods
    /// call this with <c>typeof(T)</c> (a constant) rather than jitting <see cref="Of{T}"/> for each
    /// element type at the first call. A few comparisons of type handles.</summary>
    public static ElementType Of(Type type)
    {
        if (type == typeof(double)) return ElementType.Double;
        if (type == typeof(int)) return ElementType.Int32;
        if (type == typeof(long)) return ElementType.Int64;
        if (type == typeof(float)) return ElementType.Single;
        if (type == typeof(uint)) return ElementType.UInt32;
        if (type == typeof(ulong)) return ElementType.UInt64;
        if (type == typeof(byte)) return ElementType.Byte;
        if (type == typeof(sbyte)) return ElementType.SByte;
        if (type == typeof(short)) return ElementType.Int16;
        if (type == typeof(ushort)) return ElementType.UInt16;
        if (type == typeof(nint)) return ElementType.NInt;
        if (type == typeof(nuint)) return ElementType.NUInt;
        if (type == typeof(Int128)) return ElementType.Int128;
        if (type == typeof(UInt128)) return ElementType.UInt128;
        if (type == typeof(Half)) return ElementType.Half;
        if (type == typeof(decimal)) return ElementType.Decimal;
        return ElementType.Other;
    }

    /// <summary>sbyte … nuint, Int128, UInt128: every predefined op.</summary>
    public static bool IsInteger(ElementType type) => type is >= ElementType.SByte and <= ElementType.UInt128;

    /// <summary>Half, float, double, decimal: Sum, Prod, Min, Max.</summary>
    public static bool IsNonInteger(ElementType type) => type is >= ElementType.Half and <= ElementType.Decimal;
}
