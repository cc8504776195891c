using HpcMsg.Internal;

namespace HpcMsg.Transports.Ofi;

/// <summary>
/// How a rank blocked on libfabric waits, per provider. Where the completion queue has a wait fd
/// (FI_WAIT_FD, fi_control FI_GETWAIT) and the provider's fi_trywait keeps its contract (FI_SUCCESS
/// only when nothing is queued, and the fd then becomes readable for what completes later), the fd
/// joins the engine's one wait (<see cref="WaitSet.AddReadableFd"/>) after fi_trywait says yes.
/// Otherwise the rank polls the completion queue every <see cref="WaitSet.MixedWaitMicros"/> µs.
/// </summary>
/// <remarks>
/// Known not to keep it: <c>net</c> (and utilities layered on it, <c>net;ofi_rxm</c>) before
/// libfabric 1.19. Its fabric's fi_trywait returns FI_SUCCESS without looking at the completion queue
/// or clearing the queue's signal (prov/net/src/xnet_progress.c, 1.17 and 1.18), and only fi_trywait
/// or a blocking read clear it: after the first completion the fd stays readable, and a rank sleeping
/// on it would spin through ppoll (OfiWaitTests: right after fi_trywait said yes, the fd is readable
/// and the queue empty). 1.19
/// gave net a real fi_trywait. <c>tcp;ofi_rxm</c> (rxm and tcp use libfabric's common fi_trywait,
/// which clears the signal and checks the queue) keeps it. A provider not known here is trusted, and
/// the transport watches it: a run of <see cref="IdleWakeLimit"/> wake-ups in a row after which the
/// queue had nothing sends that rank back to the bounded poll (OfiTransport.CollectWaits).
/// </remarks>
internal static class OfiWaiting
{
    /// <summary>Wake-ups in a row (the fd fired, or fi_trywait said no) after which a progress pass read
    /// no completion, before a rank gives up its wait fd for the bounded poll.</summary>
    public const int IdleWakeLimit = 1000;

    /// <summary>FI_VERSION(1, 19): the first libfabric whose net provider has a working fi_trywait.</summary>
    public const uint NetTryWaitFixed = (1u << 16) | 19u;

    /// <summary>Null when <paramref name="provider"/>'s fi_trywait on libfabric <paramref name="libraryVersion"/>
    /// (FI_VERSION) can be trusted; otherwise why not, in a sentence.</summary>
    public static string? WhyNotTrusted(string provider, uint libraryVersion)
    {
        string core = provider.Split(';')[0].Trim();
        if (string.Equals(core, "net", StringComparison.OrdinalIgnoreCase) && libraryVersion < NetTryWaitFixed)
            return $"{provider} on libfabric {libraryVersion >> 16}.{libraryVersion & 0xFFFF}: net's fi_trywait (before 1.19) says yes without "
                + "looking at the completion queue or clearing its signal, so the wait fd stays readable after the first completion";
        return null;
    }

    /// <summary>For <c>hpcrun --info</c>: how a rank blocked on <paramref name="provider"/> waits.</summary>
    public static string Describe(string provider, uint libraryVersion) =>
        WhyNotTrusted(provider, libraryVersion) is string why
            ? $"polls the completion queue every {WaitSet.MixedWaitMicros} µs ({why})"
            : $"sleeps on the completion queue's wait fd (FI_WAIT_FD, after fi_trywait) in the rank's one wait; "
              + $"polls every {WaitSet.MixedWaitMicros} µs instead if the provider opens no wait fd, or while it keeps waking the rank with nothing to read";
}
