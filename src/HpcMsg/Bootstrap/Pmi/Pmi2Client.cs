namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// PMI-2 over a connected stream (Slurm's <c>srun --mpi=pmi2</c>): the PMI-1 style line
/// <c>cmd=init pmi_version=2 pmi_subversion=0</c>, then length-framed <c>key=value;</c> messages:
/// <c>fullinit</c> (Slurm 22.05 answers rc=3 unless pmijobid, pmirank and threaded are all there),
/// <c>job-getid</c>, <c>kvs-put</c>, <c>kvs-fence</c>, <c>kvs-get</c>, <c>finalize</c>, <c>abort</c>.
/// Not thread-safe: the bootstrap calls it from one thread (abort excepted, which only writes).
/// </summary>
internal sealed class Pmi2Client : IPmiClient
{
    /// <summary>The limits of the PMI-2 standard (PMI2_MAX_KEYLEN, PMI2_MAX_VALLEN); Slurm's are the same.</summary>
    public const int KeyMax = 64, ValueMax = 1024;

    private readonly Stream _stream;
    private readonly PmiWait? _wait;
    private readonly Lock _writeLock = new();
    private bool _done;

    public string Protocol => "PMI-2";
    public int Rank { get; }
    public int Size { get; }
    public string JobId { get; }

    /// <summary>Handshake and fullinit on <paramref name="stream"/> (owned from here on), as rank
    /// <paramref name="rank"/> of job <paramref name="jobId"/> (PMI_RANK, PMI_JOBID). <paramref name="wait"/>
    /// bounds the wait for each reply (none: unbounded).</summary>
    public Pmi2Client(Stream stream, int rank, string jobId, PmiWait? wait = null)
    {
        _stream = stream;
        _wait = wait;
        try
        {
            PmiWire.WriteLine(stream, "cmd=init pmi_version=2 pmi_subversion=0");
            string hello = PmiWire.ReadLine(stream, "the reply to the PMI-2 init line", wait);
            Dictionary<string, string> init = PmiWire.Expect(hello, ' ', "response_to_init", "PMI-2 init");
            if (init.TryGetValue("pmi_version", out string? v) && v != "2")
                throw new HpcMsgException($"PMI-2: the server answered init with pmi_version={v}; it does not speak PMI-2");
            Dictionary<string, string> full = Call($"cmd=fullinit;pmijobid={jobId};pmirank={rank};threaded=FALSE;", "fullinit-response", "fullinit");
            Rank = PmiWire.IntField(full, "rank", "fullinit");
            Size = PmiWire.IntField(full, "size", "fullinit");
            if (Rank != rank)
                throw new HpcMsgException($"PMI-2: fullinit as rank {rank} (PMI_RANK) answered rank {Rank}");
            if (Size < 1 || Rank < 0 || Rank >= Size)
                throw new HpcMsgException($"PMI-2: fullinit answered rank {Rank} of size {Size}");
            Dictionary<string, string> id = Call("cmd=job-getid;", "job-getid-response", "job-getid");
            JobId = id.TryGetValue("jobid", out string? j) && j.Length > 0 ? j : jobId;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public void Put(string key, string value)
    {
        PmiWire.CheckKeyValue(key, value, KeyMax, ValueMax);
        Call($"cmd=kvs-put;key={key};value={value};", "kvs-put-response", $"kvs-put of {key}");
    }

    public void Fence() => Call("cmd=kvs-fence;", "kvs-fence-response", "kvs-fence");

    public string? Get(string key, int owner)
    {
        // srcid=-1: any rank may have put it (the server looks in the whole job's space).
        Dictionary<string, string> f = Call($"cmd=kvs-get;jobid={JobId};srcid=-1;key={key};", "kvs-get-response", $"kvs-get of {key}");
        return f.TryGetValue("found", out string? found) && found.Equals("TRUE", StringComparison.OrdinalIgnoreCase) && f.TryGetValue("value", out string? v)
            ? v
            : null;
    }

    /// <summary>The job attribute (Slurm: <c>info-getjobattr</c>, answered by slurmstepd without asking
    /// srun). A server that refuses the request (rc != 0) has no map: null, and the caller reads the nodes.</summary>
    public string? ProcessMapping()
    {
        string request = $"info-getjobattr of {Pmi.ProcessMapping.Key}";
        using (_writeLock.EnterScope()) PmiWire.WriteFrame(_stream, $"cmd=info-getjobattr;key={Pmi.ProcessMapping.Key};");
        string reply = PmiWire.ReadFrame(_stream, $"the reply to PMI-2 {request}", _wait);
        Dictionary<string, string> f = PmiWire.Fields(reply, ';');
        if (!f.TryGetValue("cmd", out string? cmd) || cmd != "info-getjobattr-response")
            throw new HpcMsgException($"PMI-2: expected info-getjobattr-response in reply to {request}, got '{reply}'");
        return f.GetValueOrDefault("rc") == "0" && f.TryGetValue("found", out string? found) && found.Equals("TRUE", StringComparison.OrdinalIgnoreCase)
            && f.TryGetValue("value", out string? v)
            ? v
            : null;
    }

    public void FinalizeJob()
    {
        if (_done) return;
        _done = true;
        Call("cmd=finalize;", "finalize-response", "finalize");
    }

    public void Abort(int exitCode, string message)
    {
        _done = true;
        try
        {
            // isworld=TRUE: end every rank of the job (Slurm cancels the step), not only this one.
            using (_writeLock.EnterScope())
                PmiWire.WriteFrame(_stream, $"cmd=abort;isworld=TRUE;msg={PmiWire.Sanitize($"exit code {exitCode}: {message}", ';')};");
        }
        catch (Exception e) when (e is HpcMsgException or IOException or ObjectDisposedException) { }
    }

    private Dictionary<string, string> Call(string body, string expectedCmd, string request)
    {
        using (_writeLock.EnterScope()) PmiWire.WriteFrame(_stream, body);
        string reply = PmiWire.ReadFrame(_stream, $"the reply to PMI-2 {request}", _wait);
        return PmiWire.Expect(reply, ';', expectedCmd, $"PMI-2 {request}");
    }

    public void Dispose() => _stream.Dispose();
}
