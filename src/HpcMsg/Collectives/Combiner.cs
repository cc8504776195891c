namespace HpcMsg.Collectives;

/// <summary>
/// The reduction step of the algorithms, which work on bytes: an op and its element type behind two
/// function pointers. The algorithms themselves are thus not generic: they are compiled once, and
/// precompiled in the ReadyToRun library, instead of jitted for each element type at a program's first
/// call (a first Allreduce of doubles jitted about ten methods of the algorithms besides the typed
/// kernel). Only the small typed steps below are made per type.
/// </summary>
internal readonly unsafe struct Combiner
{
    private readonly delegate*<Op, byte*, byte*, long, void> _into;
    private readonly delegate*<Op, byte*, byte*, byte*, long, void> _to;

    private Combiner(Op op, int elementSize, delegate*<Op, byte*, byte*, long, void> into, delegate*<Op, byte*, byte*, byte*, long, void> to)
    {
        Op = op;
        ElementSize = elementSize;
        _into = into;
        _to = to;
    }

    public Op Op { get; }

    /// <summary>Bytes per element.</summary>
    public int ElementSize { get; }

    public bool IsCommutative => Op.IsCommutative;

    public static Combiner For<T>(Op op) where T : unmanaged => new(op, sizeof(T), &Combine.Into<T>, &Combine.To<T>);

    /// <summary>higher = lower ∘ higher, where <paramref name="lower"/> holds the lower ranks' operand.</summary>
    public void Into(byte* lower, byte* higher, long count) => _into(Op, lower, higher, count);

    /// <summary>destination = lower ∘ higher; destination may be either operand (not a partial overlap).</summary>
    public void To(byte* lower, byte* higher, byte* destination, long count) => _to(Op, lower, higher, destination, count);
}
