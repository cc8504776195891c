using HpcMsg.Reductions;

namespace HpcMsg.Collectives;

/// <summary>
/// The reduction step of the algorithms, which work on bytes: an op and its element type. A predefined
/// op is a value (its kind and the element type's code) and runs the non-generic
/// <see cref="ReductionKernels.Apply(OpKind, ElementType, ref byte, ref byte, ref byte, nuint)"/>, so
/// that neither the algorithms nor the kernels are generic and all of them are precompiled in the
/// ReadyToRun library instead of jitted for each element type at a program's first call (a first
/// Allreduce of doubles jitted about ten methods of the algorithms and a kernel). Only a user op,
/// whose function is typed, goes through two small typed steps made per type.
/// </summary>
internal readonly unsafe struct Combiner
{
    private readonly delegate*<Op, byte*, byte*, long, void> _userInto;
    private readonly delegate*<Op, byte*, byte*, byte*, long, void> _userTo;

    private Combiner(Op op, ElementType type, int elementSize,
        delegate*<Op, byte*, byte*, long, void> userInto, delegate*<Op, byte*, byte*, byte*, long, void> userTo)
    {
        Op = op;
        Type = type;
        ElementSize = elementSize;
        _userInto = userInto;
        _userTo = userTo;
    }

    public Op Op { get; }

    /// <summary>The element type's code (<see cref="ElementType.Other"/> for a user op on another type).</summary>
    public ElementType Type { get; }

    /// <summary>Bytes per element.</summary>
    public int ElementSize { get; }

    public bool IsCommutative => Op.IsCommutative;

    /// <summary>The combiner of <paramref name="op"/> on <typeparamref name="T"/>; throws
    /// <see cref="ArgumentNullException"/> or <see cref="ArgumentException"/> (naming the op and the type)
    /// when the op cannot be applied to <typeparamref name="T"/>. Small, as it is compiled for each
    /// element type a program uses; the checks of a predefined op are in <see cref="Predefined"/>.</summary>
    public static Combiner For<T>(Op op) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(op);
        if (op.IsPredefined) return Predefined(op, sizeof(T), typeof(T));
        if (op.ElementType != typeof(T)) ReductionSupport.ThrowUserTypeMismatch(op, op.ElementType!, typeof(T));
        return new(op, ElementType.Other, sizeof(T), &Combine.Into<T>, &Combine.To<T>);
    }

    /// <summary>Internal, not private, so that crossgen2 precompiles it (its caller is generic, jitted).</summary>
    internal static Combiner Predefined(Op op, int elementSize, Type clrType)
    {
        ElementType type = ElementTypes.Of(clrType);
        if (!ReductionSupport.Supports(op.Kind, type)) ReductionSupport.ThrowUnsupported(op.Kind, clrType);
        return new(op, type, elementSize, null, null);
    }

    /// <summary>higher = lower ∘ higher, where <paramref name="lower"/> holds the lower ranks' operand.</summary>
    public void Into(byte* lower, byte* higher, long count)
    {
        if (_userInto != null) _userInto(Op, lower, higher, count);
        else ReductionKernels.Apply(Op.Kind, Type, ref *lower, ref *higher, ref *higher, (nuint)count);
    }

    /// <summary>destination = lower ∘ higher; destination may be either operand (not a partial overlap).</summary>
    public void To(byte* lower, byte* higher, byte* destination, long count)
    {
        if (_userTo != null) _userTo(Op, lower, higher, destination, count);
        else ReductionKernels.Apply(Op.Kind, Type, ref *lower, ref *higher, ref *destination, (nuint)count);
    }
}
