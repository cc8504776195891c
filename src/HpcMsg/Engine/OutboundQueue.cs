namespace HpcMsg.Engine;

internal enum OutboundKind : byte
{
    EagerSend,
    RequestToSend,
    Control,
    Stream,
}

/// <summary>Something waiting for room in the ring to one destination. Kept in order, so that a
/// message never overtakes an earlier one to the same destination.</summary>
internal readonly struct OutboundItem
{
    public readonly OutboundKind Kind;
    public readonly Transports.Shm.RecordKind ControlKind;
    public readonly Request? Request;
    public readonly long Token1;
    public readonly long Token2;

    public OutboundItem(OutboundKind kind, Request? request, Transports.Shm.RecordKind controlKind = default, long token1 = 0, long token2 = 0)
    {
        Kind = kind;
        Request = request;
        ControlKind = controlKind;
        Token1 = token1;
        Token2 = token2;
    }
}
