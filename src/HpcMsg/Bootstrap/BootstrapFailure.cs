namespace HpcMsg.Bootstrap;

/// <summary>
/// What the bootstrap fails with: the job's channel (hpcrun's rendezvous, PMI, PMIx) and the
/// handshake (<see cref="JobAuth"/>) throw the library's public <c>HpcMsgException</c>, since Init's
/// caller sees them as they are. A transport that must tell such a failure (a lookup that lost
/// hpcrun, a stranger's handshake) from a bug asks here, so that it names no type of the API
/// (docs/architecture.md, "Errors").
/// </summary>
internal static class BootstrapFailure
{
    public static bool Is(Exception e) => e is HpcMsgException;
}
