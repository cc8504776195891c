using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HpcMsg.Reductions;

namespace HpcMsg;

/// <summary>
/// Combines <paramref name="input"/> into <paramref name="inputOutput"/> element by element:
/// <c>inputOutput[i] = input[i] ∘ inputOutput[i]</c>. As in MPI, <paramref name="input"/> holds the operand
/// from the lower ranks, so a non-commutative op yields <c>v0 ∘ v1 ∘ … ∘ v(p-1)</c> in rank order.
/// Both spans have the same length.
/// </summary>
public delegate void ReduceFunc<T>(ReadOnlySpan<T> input, Span<T> inputOutput);

/// <summary>
/// A reduction operation for <c>Reduce</c>, <c>Allreduce</c>, <c>Scan</c> and <c>Exscan</c>.
/// <see cref="Sum"/>, <see cref="Prod"/>, <see cref="Min"/> and <see cref="Max"/> are defined for every
/// numeric primitive (sbyte … ulong, nint, nuint, Int128, UInt128, float, double, Half, decimal);
/// <see cref="BitAnd"/>, <see cref="BitOr"/> and <see cref="BitXor"/> for the integer types. Integer
/// Sum and Prod wrap around (unchecked), as in MPI; decimal throws <see cref="OverflowException"/> as
/// decimal arithmetic does. Floating-point Min and Max are IEEE 754:2019 minimum/maximum, as
/// <see cref="Math.Min(double, double)"/>: NaN propagates and -0 &lt; +0. Predefined ops run vectorised.
/// </summary>
public sealed class Op
{
    /// <summary>Sum, for every numeric primitive (integers wrap around).</summary>
    public static readonly Op Sum = new(OpKind.Sum);
    /// <summary>Product, for every numeric primitive (integers wrap around).</summary>
    public static readonly Op Prod = new(OpKind.Prod);
    /// <summary>Minimum, for every numeric primitive (floating point: IEEE 754 minimum, NaN propagates).</summary>
    public static readonly Op Min = new(OpKind.Min);
    /// <summary>Maximum, for every numeric primitive (floating point: IEEE 754 maximum, NaN propagates).</summary>
    public static readonly Op Max = new(OpKind.Max);
    /// <summary>Bitwise and, for the integer types.</summary>
    public static readonly Op BitAnd = new(OpKind.BitAnd);
    /// <summary>Bitwise or, for the integer types.</summary>
    public static readonly Op BitOr = new(OpKind.BitOr);
    /// <summary>Bitwise exclusive or, for the integer types.</summary>
    public static readonly Op BitXor = new(OpKind.BitXor);

    private readonly OpKind _kind;
    private readonly Delegate? _function;   // a ReduceFunc<T> for user ops
    private readonly Type? _elementType;    // its T

    private Op(OpKind kind)
    {
        _kind = kind;
        Name = kind.ToString();
        IsCommutative = true;
    }

    private Op(Delegate function, Type elementType, string name, bool commutative)
    {
        _kind = OpKind.User;
        _function = function;
        _elementType = elementType;
        Name = name;
        IsCommutative = commutative;
    }

    /// <summary>A user-defined op on <typeparamref name="T"/>; <paramref name="f"/> sets
    /// <c>inputOutput[i] = input[i] ∘ inputOutput[i]</c> with <c>input</c> from the lower ranks. The op
    /// must be associative; pass <paramref name="commutative"/> false when it is not commutative, and the
    /// collectives combine operands in rank order.</summary>
    public static Op Create<T>(ReduceFunc<T> f, bool commutative = true) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(f);
        return new Op(f, typeof(T), DefaultName(f, typeof(T)), commutative);
    }

    /// <summary>As <see cref="Create{T}(ReduceFunc{T}, bool)"/>, with a name for messages and <see cref="ToString"/>.</summary>
    public static Op Create<T>(string name, ReduceFunc<T> f, bool commutative = true) where T : unmanaged
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(f);
        return new Op(f, typeof(T), name, commutative);
    }

    /// <summary>"Sum", "BitXor", … for predefined ops; the given name (or the method's) for user ops.</summary>
    public string Name { get; }

    /// <summary>True for every predefined op; as given to <c>Create</c> for user ops.</summary>
    public bool IsCommutative { get; }

    /// <summary>True for the seven predefined ops (vectorised, defined for the primitive types).</summary>
    public bool IsPredefined => _kind != OpKind.User;

    /// <summary>For a user op, the element type it was created for; null for predefined ops.</summary>
    public Type? ElementType => _elementType;

    internal OpKind Kind => _kind;

    /// <summary>"Op.Sum" for predefined ops; "Op 'name' (user-defined on System.Int32, non-commutative)".</summary>
    public override string ToString() => IsPredefined
        ? "Op." + Name
        : $"Op '{Name}' (user-defined on {_elementType!.FullName}{(IsCommutative ? "" : ", non-commutative")})";

    /// <summary>Throws <see cref="ArgumentException"/> naming the op and the type when this op cannot be
    /// applied to <typeparamref name="T"/>: a predefined op the type does not support, or a user op
    /// created for another type.</summary>
    internal void Validate<T>() where T : unmanaged => Collectives.Combiner.For<T>(this);

    /// <summary><c>inputOutput[i] = input[i] ∘ inputOutput[i]</c>, <paramref name="input"/> being the operand
    /// of the lower ranks. Allocation-free; predefined ops run vectorised.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Apply<T>(ReadOnlySpan<T> input, Span<T> inputOutput) where T : unmanaged
    {
        Debug.Assert(input.Length == inputOutput.Length, "reduction operands differ in length");
        if (_kind == OpKind.User)
        {
            ApplyUser(input, inputOutput);
            return;
        }
        ref T io = ref MemoryMarshal.GetReference(inputOutput);
        ReductionKernels.Apply(_kind, ref MemoryMarshal.GetReference(input), ref io, ref io, (nuint)inputOutput.Length);
    }

    /// <summary><c>destination[i] = lower[i] ∘ higher[i]</c> without first copying <paramref name="higher"/>
    /// into <paramref name="destination"/> (predefined ops). <paramref name="destination"/> may be the same
    /// memory as either operand, but must not partially overlap them.</summary>
    internal void Apply<T>(ReadOnlySpan<T> lower, ReadOnlySpan<T> higher, Span<T> destination) where T : unmanaged
    {
        Debug.Assert(lower.Length == destination.Length && higher.Length == destination.Length, "reduction operands differ in length");
        if (_kind == OpKind.User)
        {
            ApplyUser(lower, higher, destination);
            return;
        }
        ReductionKernels.Apply(_kind, ref MemoryMarshal.GetReference(lower), ref MemoryMarshal.GetReference(higher),
            ref MemoryMarshal.GetReference(destination), (nuint)destination.Length);
    }

    /// <summary>A user function only computes <c>inputOutput = input ∘ inputOutput</c>, so the result must
    /// start in <paramref name="destination"/> as <paramref name="higher"/>. When the destination is the
    /// lower operand (reduce-scatter combines a received block into the one it holds), copying
    /// <paramref name="higher"/> there first would overwrite <paramref name="lower"/> and compute
    /// higher ∘ higher: a commutative op takes the operands the other way round instead, a
    /// non-commutative one goes through a pooled copy of <paramref name="lower"/>.</summary>
    private void ApplyUser<T>(ReadOnlySpan<T> lower, ReadOnlySpan<T> higher, Span<T> destination) where T : unmanaged
    {
        ref T destinationStart = ref MemoryMarshal.GetReference(destination);
        if (Unsafe.AreSame(ref MemoryMarshal.GetReference(higher), ref destinationStart))
        {
            ApplyUser(lower, destination);
            return;
        }
        if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(lower), ref destinationStart))
        {
            Debug.Assert(!lower.Overlaps(destination) && !higher.Overlaps(destination), "a user op's destination partially overlaps an operand");
            higher.CopyTo(destination);
            ApplyUser(lower, destination);
            return;
        }
        if (IsCommutative)
        {
            ApplyUser(higher, destination);
            return;
        }
        T[] lowerCopy = ArrayPool<T>.Shared.Rent(lower.Length);
        try
        {
            lower.CopyTo(lowerCopy);
            higher.CopyTo(destination);
            ApplyUser(new ReadOnlySpan<T>(lowerCopy, 0, lower.Length), destination);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(lowerCopy);
        }
    }

    private void ApplyUser<T>(ReadOnlySpan<T> input, Span<T> inputOutput) where T : unmanaged
    {
        if (_function is ReduceFunc<T> f) f(input, inputOutput);
        else ReductionSupport.ThrowUserTypeMismatch<T>(this, _elementType!);
    }

    private static string DefaultName(Delegate f, Type elementType)
    {
        string method = f.Method.Name;
        // Lambdas compile to names like "<Main>b__0_0"; those say nothing to a reader.
        return method.Contains('<', StringComparison.Ordinal) ? $"user-defined<{elementType.Name}>" : method;
    }
}
