using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcMsg.Reductions;

/// <summary>
/// Maps (op, element type) to a specialised <see cref="ElementwiseLoop"/>. The entry point is not
/// generic: the element type is a value, and each case names a closed instantiation, so that crossgen2
/// precompiles the kernels of int, uint, long, ulong, float and double (per-type operators in
/// PrimitiveOperators.cs) into the ReadyToRun library, and a program's first reduction of those runs
/// precompiled code instead of waiting for the JIT (3-60 ms per kernel at full optimisation). The other
/// types go through the generic-math operators, which crossgen2 cannot precompile (static virtual
/// calls), and are jitted at first use. The refs are reinterpreted, never copied; nothing here allocates.
/// </summary>
internal static class ReductionKernels
{
    /// <summary><c>d[i] = x[i] ∘ y[i]</c> over <paramref name="n"/> elements of <paramref name="type"/>
    /// for a predefined op; the caller has checked lengths and <see cref="ReductionSupport.Supports(OpKind, ElementType)"/>
    /// (an unsupported pair still throws here).</summary>
    public static void Apply(OpKind kind, ElementType type, ref byte x, ref byte y, ref byte d, nuint n)
    {
        switch (type)
        {
            // Precompiled (per-type operators, no generic math).
            case ElementType.Double: Double(kind, ref As<double>(ref x), ref As<double>(ref y), ref As<double>(ref d), n); break;
            case ElementType.Int32: Int32(kind, ref As<int>(ref x), ref As<int>(ref y), ref As<int>(ref d), n); break;
            case ElementType.Int64: Int64(kind, ref As<long>(ref x), ref As<long>(ref y), ref As<long>(ref d), n); break;
            case ElementType.Single: Single(kind, ref As<float>(ref x), ref As<float>(ref y), ref As<float>(ref d), n); break;
            case ElementType.UInt32: UInt32(kind, ref As<uint>(ref x), ref As<uint>(ref y), ref As<uint>(ref d), n); break;
            case ElementType.UInt64: UInt64(kind, ref As<ulong>(ref x), ref As<ulong>(ref y), ref As<ulong>(ref d), n); break;
            // Generic math, jitted at a type's first use.
            case ElementType.Byte: Integer(kind, ref As<byte>(ref x), ref As<byte>(ref y), ref As<byte>(ref d), n); break;
            case ElementType.SByte: Integer(kind, ref As<sbyte>(ref x), ref As<sbyte>(ref y), ref As<sbyte>(ref d), n); break;
            case ElementType.Int16: Integer(kind, ref As<short>(ref x), ref As<short>(ref y), ref As<short>(ref d), n); break;
            case ElementType.UInt16: Integer(kind, ref As<ushort>(ref x), ref As<ushort>(ref y), ref As<ushort>(ref d), n); break;
            // 64 bits on 64-bit processes: multiplied by the scalar loop, as long is.
            case ElementType.NInt: Integer(kind, ref As<nint>(ref x), ref As<nint>(ref y), ref As<nint>(ref d), n, scalarProd: IntPtr.Size == 8); break;
            case ElementType.NUInt: Integer(kind, ref As<nuint>(ref x), ref As<nuint>(ref y), ref As<nuint>(ref d), n, scalarProd: IntPtr.Size == 8); break;
            // Scalar only (no hardware vectors of these types), for completeness of "every numeric primitive".
            case ElementType.Int128: ScalarInteger(kind, ref As<Int128>(ref x), ref As<Int128>(ref y), ref As<Int128>(ref d), n); break;
            case ElementType.UInt128: ScalarInteger(kind, ref As<UInt128>(ref x), ref As<UInt128>(ref y), ref As<UInt128>(ref d), n); break;
            case ElementType.Half: ScalarNumeric(kind, ref As<Half>(ref x), ref As<Half>(ref y), ref As<Half>(ref d), n); break;
            case ElementType.Decimal: ScalarNumeric(kind, ref As<decimal>(ref x), ref As<decimal>(ref y), ref As<decimal>(ref d), n); break;
            default: ReductionSupport.ThrowUnsupported(kind, type); break;
        }
    }

    /// <summary>The typed form, for callers that hold typed spans (<see cref="Op"/>'s own Apply).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply<T>(OpKind kind, ref T x, ref T y, ref T d, nuint n) where T : unmanaged =>
        Apply(kind, ElementTypes.Of<T>(), ref Unsafe.As<T, byte>(ref x), ref Unsafe.As<T, byte>(ref y), ref Unsafe.As<T, byte>(ref d), n);

    private static void Double(OpKind kind, ref double x, ref double y, ref double d, nuint n)
    {
        switch (kind)
        {
            case OpKind.Sum: ElementwiseLoop.RunDouble<PrimitiveSum>(ref x, ref y, ref d, n); break;
            case OpKind.Prod: ElementwiseLoop.RunDouble<PrimitiveProd>(ref x, ref y, ref d, n); break;
            case OpKind.Min: ElementwiseLoop.RunDouble<PrimitiveMin>(ref x, ref y, ref d, n); break;
            case OpKind.Max: ElementwiseLoop.RunDouble<PrimitiveMax>(ref x, ref y, ref d, n); break;
            default: ReductionSupport.ThrowUnsupported(kind, ElementType.Double); break;
        }
    }

    private static void Single(OpKind kind, ref float x, ref float y, ref float d, nuint n)
    {
        switch (kind)
        {
            case OpKind.Sum: ElementwiseLoop.RunSingle<PrimitiveSum>(ref x, ref y, ref d, n); break;
            case OpKind.Prod: ElementwiseLoop.RunSingle<PrimitiveProd>(ref x, ref y, ref d, n); break;
            case OpKind.Min: ElementwiseLoop.RunSingle<PrimitiveMin>(ref x, ref y, ref d, n); break;
            case OpKind.Max: ElementwiseLoop.RunSingle<PrimitiveMax>(ref x, ref y, ref d, n); break;
            default: ReductionSupport.ThrowUnsupported(kind, ElementType.Single); break;
        }
    }

    private static void Int32(OpKind kind, ref int x, ref int y, ref int d, nuint n)
    {
        switch (kind)
        {
            case OpKind.Sum: ElementwiseLoop.RunInt32<PrimitiveSum>(ref x, ref y, ref d, n); break;
            case OpKind.Prod: ElementwiseLoop.RunInt32<PrimitiveProd>(ref x, ref y, ref d, n); break;
            case OpKind.Min: ElementwiseLoop.RunInt32<PrimitiveMin>(ref x, ref y, ref d, n); break;
            case OpKind.Max: ElementwiseLoop.RunInt32<PrimitiveMax>(ref x, ref y, ref d, n); break;
            case OpKind.BitAnd: ElementwiseLoop.RunInt32<PrimitiveBitAnd>(ref x, ref y, ref d, n); break;
            case OpKind.BitOr: ElementwiseLoop.RunInt32<PrimitiveBitOr>(ref x, ref y, ref d, n); break;
            case OpKind.BitXor: ElementwiseLoop.RunInt32<PrimitiveBitXor>(ref x, ref y, ref d, n); break;
            default: ReductionSupport.ThrowUnsupported(kind, ElementType.Int32); break;
        }
    }

    private static void UInt32(OpKind kind, ref uint x, ref uint y, ref uint d, nuint n)
    {
        switch (kind)
        {
            case OpKind.Sum: ElementwiseLoop.RunUInt32<PrimitiveSum>(ref x, ref y, ref d, n); break;
            case OpKind.Prod: ElementwiseLoop.RunUInt32<PrimitiveProd>(ref x, ref y, ref d, n); break;
            case OpKind.Min: ElementwiseLoop.RunUInt32<PrimitiveMin>(ref x, ref y, ref d, n); break;
            case OpKind.Max: ElementwiseLoop.RunUInt32<PrimitiveMax>(ref x, ref y, ref d, n); break;
            case OpKind.BitAnd: ElementwiseLoop.RunUInt32<PrimitiveBitAnd>(ref x, ref y, ref d, n); break;
            case OpKind.BitOr: ElementwiseLoop.RunUInt32<PrimitiveBitOr>(ref x, ref y, ref d, n); break;
            case OpKind.BitXor: ElementwiseLoop.RunUInt32<PrimitiveBitXor>(ref x, ref y, ref d, n); break;
            default: ReductionSupport.ThrowUnsupported(kind, ElementType.UInt32); break;
        }
    }

    private static void Int64(OpKind kind, ref long x, ref long y, ref long d, nuint n)
    {
        switch (kind)
        {
            case OpKind.Sum: ElementwiseLoop.RunInt64<PrimitiveSum>(ref x, ref y, ref d, n); break;
            case OpKind.Prod: ElementwiseLoop.RunScalarInt64<PrimitiveProd>(ref x, ref y, ref d, n); break;
            case OpKind.Min: ElementwiseLoop.RunInt64<PrimitiveMin>(ref x, ref y, ref d, n); break;
            case OpKind.Max: ElementwiseLoop.RunInt64<PrimitiveMax>(ref x, ref y, ref d, n); break;
            case OpKind.BitAnd: ElementwiseLoop.RunInt64<PrimitiveBitAnd>(ref x, ref y, ref d, n); break;
            case OpKind.BitOr: ElementwiseLoop.RunInt64<PrimitiveBitOr>(ref x, ref y, ref d, n); break;
            case OpKind.BitXor: ElementwiseLoop.RunInt64<PrimitiveBitXor>(ref x, ref y, ref d, n); break;
            default: ReductionSupport.ThrowUnsupported(kind, ElementType.Int64); break;
        }
    }

    private static void UInt64(OpKind kind, ref ulong x, ref ulong y, ref ulong d, nuint n)
    {
        switch (kind)
        {
            case OpKind.Sum: ElementwiseLoop.RunUInt64<PrimitiveSum>(ref x, ref y, ref d, n); break;
            case OpKind.Prod: ElementwiseLoop.RunScalarUInt64<PrimitiveProd>(ref x, ref y, ref d, n); break;
            case OpKind.Min: ElementwiseLoop.RunUInt64<PrimitiveMin>(ref x, ref y, ref d, n); break;
            case OpKind.Max: ElementwiseLoop.RunUInt64<PrimitiveMax>(ref x, ref y, ref d, n); break;
            case OpKind.BitAnd: ElementwiseLoop.RunUInt64<PrimitiveBitAnd>(ref x, ref y, ref d, n); break;
            case OpKind.BitOr: ElementwiseLoop.RunUInt64<PrimitiveBitOr>(ref x, ref y, ref d, n); break;
            case OpKind.BitXor: ElementwiseLoop.RunUInt64<PrimitiveBitXor>(ref x, ref y, ref d, n); break;
            default: ReductionSupport.ThrowUnsupported(kind, ElementType.UInt64); break;
        }
    }

    private static void Integer<T>(OpKind kind, ref T x, ref T y, ref T d, nuint n, bool scalarProd = false) where T : unmanaged, IBinaryInteger<T>
    {
        switch (kind)
        {
            case OpKind.Sum: ElementwiseLoop.Run<T, SumOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.Prod when scalarProd: ElementwiseLoop.RunScalar<T, ProdOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.Prod: ElementwiseLoop.Run<T, ProdOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.Min: ElementwiseLoop.Run<T, MinOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.Max: ElementwiseLoop.Run<T, MaxOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.BitAnd: ElementwiseLoop.Run<T, BitAndOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.BitOr: ElementwiseLoop.Run<T, BitOrOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.BitXor: ElementwiseLoop.Run<T, BitXorOperator<T>>(ref x, ref y, ref d, n); break;
            default: ReductionSupport.ThrowUnsupported(kind); break;
        }
    }

    private static void ScalarInteger<T>(OpKind kind, ref T x, ref T y, ref T d, nuint n) where T : unmanaged, IBinaryInteger<T>
    {
        switch (kind)
        {
            case OpKind.BitAnd: ElementwiseLoop.RunScalar<T, BitAndOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.BitOr: ElementwiseLoop.RunScalar<T, BitOrOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.BitXor: ElementwiseLoop.RunScalar<T, BitXorOperator<T>>(ref x, ref y, ref d, n); break;
            default: ScalarNumeric(kind, ref x, ref y, ref d, n); break;
        }
    }

    private static void ScalarNumeric<T>(OpKind kind, ref T x, ref T y, ref T d, nuint n) where T : unmanaged, INumber<T>
    {
        switch (kind)
        {
            case OpKind.Sum: ElementwiseLoop.RunScalar<T, SumOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.Prod: ElementwiseLoop.RunScalar<T, ProdOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.Min: ElementwiseLoop.RunScalar<T, MinOperator<T>>(ref x, ref y, ref d, n); break;
            case OpKind.Max: ElementwiseLoop.RunScalar<T, MaxOperator<T>>(ref x, ref y, ref d, n); break;
            default: ReductionSupport.ThrowUnsupported(kind); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref T As<T>(ref byte source) => ref Unsafe.As<byte, T>(ref source);
}
