namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// What the library needs of a process manager's PMI server, whichever protocol version carries it:
/// who this rank is, a key-value space shared by the job's ranks with a fence (after it, every put
/// before it is visible to every rank), finalize and abort.
/// </summary>
internal interface IPmiClient : IDisposable
{
    /// <summary>"PMI-1", "PMI-2" or "PMIx", for messages.</summary>
    string Protocol { get; }
    int Rank { get; }
    int Size { get; }

    /// <summary>The job's name in the process manager (Slurm: "jobid.stepid"; Hydra: its KVS name),
    /// unique while the job runs.</summary>
    string JobId { get; }

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/> (visible to others after <see cref="Fence"/>).</summary>
    void Put(string key, string value);

    /// <summary>Collective over the job's ranks: returns when every rank has called it, with every
    /// put made before it visible.</summary>
    void Fence();

    /// <summary>The value rank <paramref name="owner"/> put (before the last fence), or, with
    /// <see cref="AnyRank"/>, whichever rank put it; null when there is none. PMI-1 and PMI-2 have one
    /// space for the job and look there whatever <paramref name="owner"/> says; PMIx keeps each
    /// rank's puts apart and asks that rank's.</summary>
    string? Get(string key, int owner);

    /// <summary>For <see cref="Get"/>: a key that any rank may have put (PMI-1 and PMI-2 only).</summary>
    const int AnyRank = -1;

    /// <summary>The process manager's node map (<see cref="Pmi.ProcessMapping"/>), or null when it
    /// gives none: one request, whatever the job's size.</summary>
    string? ProcessMapping();

    /// <summary>Tells the server this rank is done (the last message).</summary>
    void FinalizeJob();

    /// <summary>Asks the process manager to end the whole job (best effort: no reply is awaited).</summary>
    void Abort(int exitCode, string message);
}
