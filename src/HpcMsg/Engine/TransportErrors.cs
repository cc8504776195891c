using HpcMsg.Transports;

namespace HpcMsg.Engine;

/// <summary>
/// The engine's boundary for failures: a transport reports a <see cref="TransportException"/> (it names
/// no type of the API); what leaves the engine, and what the API's <c>Communicator.Init</c> lets out of
/// a transport's setup, is the library's public exception, with the same message (and, for
/// <see cref="TransportFailureKind.Error"/>, the same inner exception).
/// </summary>
internal static class TransportErrors
{
    public static HpcMsgException ToPublic(this TransportException e) => e.Kind switch
    {
        TransportFailureKind.PeerLost => new RankFailedException(e.Rank, e.Message),
        TransportFailureKind.JobAborted => new JobAbortedException(e.Rank, e.Code),
        _ => e.InnerException is { } inner ? new HpcMsgException(e.Message, inner) : new HpcMsgException(e.Message),
    };
}
