namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// PMI-1 over a connected stream (MPICH's Hydra <c>mpiexec</c>, and Slurm's pmi2 plugin, which speaks
/// both): newline-ended <c>cmd=... key=value</c> lines, one reply per request. Rank and size come
/// from the environment (PMI_RANK, PMI_SIZE), the KVS name from <c>get_my_kvsname</c>.
/// Not thread-safe: the bootstrap calls it from one thread (abort excepted, which only writes).
/// </summary>
internal sealed class Pmi1Client : IPmiClient
{
    private readonly Stream _stream;
    private readonly PmiWait? _wait;
    private readonly int _keyMax;
    private readonly int _valueMax;
    private readonly Lock _writeLock = new();
    private bool _done;

    public string Protocol => "PMI-1";
    public int Rank { get; }
    public int Size { get; }
    public string JobId { get; }

    /// <summary>Does the handshake (<c>init</c>, <c>get_maxes</c>, <c>get_my_kvsname</c>) on
    /// <paramref name="stream"/>, which the client owns from here on. <paramref name="wait"/> bounds the
    /// wait for each reply (none: unbounded).</summary>
    public Pmi1Client(Stream stream, int rank, int size, PmiWait? wait = null)
    {
        _stream = stream;
        _wait = wait;
        Rank = rank;
        Size = size;
        try
        {
            Call("cmd=init pmi_version=1 pmi_subversion=1", "response_to_init", "init");
            Dictionary<string, string> maxes = Call("cmd=get_maxes", "maxes", "get_maxes");
            _keyMax = Math.Min(PmiWire.IntField(maxes, "keylen_max", "get_maxes"), 64);
            _valueMax = Math.Min(PmiWire.IntField(maxes, "vallen_max", "get_maxes"), 1024);
            Dictionary<string, string> kvs = Call("cmd=get_my_kvsname", "my_kvsname", "get_my_kvsname");
            JobId = kvs.TryGetValue("kvsname", out string? name) && name.Length > 0
                ? name
                : throw new HpcMsgException("PMI-1: the reply to get_my_kvsname has no kvsname");
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public void Put(string key, string value)
    {
        PmiWire.CheckKeyValue(key, value, _keyMax, _valueMax);
        Call($"cmd=put kvsname={JobId} key={key} value={value}", "put_result", $"put of {key}");
    }

    public void Fence() => Call("cmd=barrier_in", "barrier_out", "barrier_in");

    public string? Get(string key, int owner)
    {
        string reply = Send($"cmd=get kvsname={JobId} key={key}", $"get of {key}");
        Dictionary<string, string> f = PmiWire.Fields(reply, ' ');
        if (!f.TryGetValue("cmd", out string? cmd) || cmd != "get_result")
            throw new HpcMsgException($"PMI-1: expected get_result in reply to get of {key}, got '{reply}'");
        // A missing key is rc != 0 (Hydra: rc=-1 msg=key_..._not_found); so is a real error, which
        // the caller then reports as the missing key it is.
        return f.TryGetValue("rc", out string? rc) && rc == "0" && f.TryGetValue("value", out string? v) ? v : null;
    }

    /// <summary>Hydra answers a <c>get</c> of the key in the job's KVS (so does Slurm's PMI-1).</summary>
    public string? ProcessMapping() => Get(Pmi.ProcessMapping.Key, IPmiClient.AnyRank);

    public void FinalizeJob()
    {
        if (_done) return;
        _done = true;
        Call("cmd=finalize", "finalize_ack", "finalize");
    }

    public void Abort(int exitCode, string message)
    {
        // Hydra reads exitcode (mpiexec exits with it); Slurm ends the step whatever the fields.
        _done = true;
        try
        {
            using (_writeLock.EnterScope())
                PmiWire.WriteLine(_stream, $"cmd=abort exitcode={exitCode} msg={PmiWire.Sanitize(message, ' ')}");
        }
        catch (Exception e) when (e is HpcMsgException or IOException or ObjectDisposedException) { }
    }

    private Dictionary<string, string> Call(string line, string expectedCmd, string request) =>
        PmiWire.Expect(Send(line, request), ' ', expectedCmd, $"PMI-1 {request}");

    private string Send(string line, string request)
    {
        using (_writeLock.EnterScope()) PmiWire.WriteLine(_stream, line);
        return PmiWire.ReadLine(_stream, $"the reply to PMI-1 {request}", _wait);
    }

    public void Dispose() => _stream.Dispose();
}
