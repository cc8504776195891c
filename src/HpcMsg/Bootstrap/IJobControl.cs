using System.Net;

namespace HpcMsg.Bootstrap;

/// <summary>
/// The job's out-of-band channel to whatever started it: hpcrun's rendezvous, or a process manager's
/// PMI server (srun, mpiexec). Transports exchange their endpoints through it, and a rank that aborts
/// says so through it, so the TCP transport does not care which launcher started the job.
/// </summary>
internal interface IJobControl : IDisposable
{
    /// <summary>An address of this host that the other hosts of the job can reach, when the channel
    /// knows one (the local end of the connection to hpcrun); null when it does not.</summary>
    IPAddress? LocalAddress { get; }

    /// <summary>Publishes this rank's TCP endpoint and returns when every rank of the job has
    /// published its own; after that <see cref="EndpointOfAsync"/> answers for any rank. Nobody's
    /// endpoint comes back here: a rank asks for a peer's when it first dials it.</summary>
    void ExchangeEndpoints(string endpoint);

    /// <summary>The endpoint rank <paramref name="rank"/> published (after <see cref="ExchangeEndpoints"/>):
    /// kept from an earlier request, or asked for now (hpcrun: one request on the lifeline; PMI: a
    /// <c>get</c> of the key-value space, off the caller's thread). Returns without waiting for the
    /// answer, so that the engine's lock is never held across it; the task fails with an
    /// <see cref="HpcMsgException"/> that says why (the launcher gone, a refusal).</summary>
    Task<string> EndpointOfAsync(int rank);

    /// <summary>The launcher's word that the job is ending (or that the launcher is gone); null while it runs
    /// or when the launcher has no such word.</summary>
    JobEndWord? LauncherWord { get; }

    /// <summary>Tells the launcher that this rank aborts with <paramref name="errorCode"/> (best effort).</summary>
    void TellAbort(int errorCode);
}
