namespace HpcMsg.Transports.Ofi;

/// <summary>One finished operation, from <see cref="OfiEndpoint.Poll"/>: the context pointer given when
/// it was posted, its flags (FI_SEND or FI_RECV with FI_TAGGED), the tag and length that arrived, and
/// for a failed one the error (FI_ETRUNC: <see cref="OverflowLength"/> bytes did not fit; FI_ECANCELED;
/// FI_EADDRNOTAVAIL: a sender not in the address vector, with FI_SOURCE_ERR). <see cref="Source"/>: the
/// sender's fi_addr where the endpoint reports sources (FI_SOURCE; FI_ADDR_NOTAVAIL for one not in the
/// address vector), else FI_ADDR_UNSPEC (the same value: check <see cref="OfiEndpoint.ReportsSources"/>).</summary>
internal readonly record struct OfiCompletion(nint Context, ulong Flags, ulong Tag, nuint Length, int Error, nuint OverflowLength, ulong Source = OfiConstants.FiAddrUnspec)
{
    public bool IsReceive => (Flags & OfiConstants.FiRecv) != 0;
}
