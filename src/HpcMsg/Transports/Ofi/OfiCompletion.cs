namespace HpcMsg.Transports.Ofi;

/// <summary>One finished operation, from <see cref="OfiEndpoint.Poll"/>: the context pointer given when
/// it was posted, its flags (FI_SEND or FI_RECV with FI_TAGGED), the tag and length that arrived, and
/// for a failed one the error (FI_ETRUNC: <see cref="OverflowLength"/> bytes did not fit; FI_ECANCELED).</summary>
internal readonly record struct OfiCompletion(nint Context, ulong Flags, ulong Tag, nuint Length, int Error, nuint OverflowLength)
{
    public bool IsReceive => (Flags & OfiConstants.FiRecv) != 0;
}
