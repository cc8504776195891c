namespace HpcMsg.Transports.Ofi;

/// <summary>Which network carries the traffic between hosts.</summary>
internal enum NetworkKind
{
    Tcp,
    Ofi,
}

/// <summary>
/// The outcome of <see cref="NetworkSelection.Decide"/>, for Init and <c>hpcrun --info</c>: the network,
/// the libfabric provider when it is ofi, and why, in a sentence. When <see cref="Error"/> is set the
/// settings cannot be honoured and Init must fail with it (e.g. HPCMSG_NETWORK=ofi on a machine
/// without a usable provider); <see cref="Network"/> is then meaningless.
/// </summary>
internal sealed record NetworkDecision(NetworkKind Network, string? Provider, string Reason, string? Error = null)
{
    public override string ToString() =>
        Error ?? (Network == NetworkKind.Ofi ? $"ofi ({Provider}): {Reason}" : $"tcp: {Reason}");
}
