namespace HpcMsg.Reductions;

/// <summary>What an <see cref="Op"/> computes; <see cref="User"/> means a delegate from <c>Op.Create</c>.</summary>
internal enum OpKind : byte
{
    Sum,
    Prod,
    Min,
    Max,
    BitAnd,
    BitOr,
    BitXor,
    User,
}
