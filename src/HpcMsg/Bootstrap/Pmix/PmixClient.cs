using System.Runtime.InteropServices;
using System.Text;
using HpcMsg.Bootstrap.Pmi;

namespace HpcMsg.Bootstrap.Pmix;

/// <summary>
/// PMIx through libpmix (<see cref="PmixLibrary"/>), for a job that a PMIx launcher started: Slurm's
/// <c>srun --mpi=pmix</c>, Open MPI's mpirun (4.x, whose daemons serve PMIx to their children) and
/// prterun (Open MPI 5). It serves the PMI path (<see cref="PmiJob"/>, <see cref="PmiJobControl"/>)
/// the same key-value space the PMI wire protocols give:
/// <list type="bullet">
/// <item>PMIx_Init says who this process is (namespace and rank); the job's size is the namespace's
/// PMIX_JOB_SIZE (PMIx_Get of the wildcard rank, answered from the data the server gave at init).</item>
/// <item>a put is PMIx_Put of a string at global scope (every rank, on this node or another); a fence
/// is PMIx_Commit then PMIx_Fence over the whole namespace with PMIX_COLLECT_DATA, so that every
/// rank's puts reach every node's server during the fence and a later get needs no remote request;</item>
/// <item>a get is PMIx_Get of the key from the rank that put it (PMIx keeps each rank's data apart);</item>
/// <item>abort is PMIx_Abort of the whole namespace (the launcher ends every rank), finalize is PMIx_Finalize.</item>
/// </list>
/// PMIx hands out no MPICH node map (<see cref="ProcessMapping"/> is null): the ranks group by the node
/// identities they publish, as under a PMI server without one. PMIx keys and values are not limited like
/// PMI's, and the PMI path's hex encoding passes through unchanged. libpmix is thread-safe: a get may
/// come from a pool thread while another thread waits in a fence.
/// </summary>
internal sealed unsafe class PmixClient : IPmiClient
{
    private readonly PmixLibrary _lib;
    private readonly PmixProc _self;
    private int _state; // 0 initialized, 1 finalized or aborted

    public string Protocol => "PMIx";
    public int Rank { get; }
    public int Size { get; }
    public string JobId { get; }

    /// <summary>Loads libpmix (<see cref="PmixLibrary.Load()"/>) and joins the job through PMIx_Init.</summary>
    public static PmixClient Connect() => new(PmixLibrary.Load());

    public PmixClient(PmixLibrary library)
    {
        _lib = library;
        PmixProc self;
        int rc = _lib.Init(&self, null, 0);
        if (rc != PmixConstants.PmixSuccess)
            throw new HpcMsgException($"PMIx_Init ({_lib.Name}) failed: {_lib.Describe(rc)}; was this process started by a PMIx launcher (PMIX_NAMESPACE={Environment.GetEnvironmentVariable("PMIX_NAMESPACE")}, PMIX_SERVER_URI4={Environment.GetEnvironmentVariable("PMIX_SERVER_URI4")})?");
        _self = self;
        JobId = NamespaceOf(&self);
        try
        {
            if (self.Rank >= PmixConstants.PmixRankWildcard)
                throw new HpcMsgException($"PMIx_Init gave no rank ({self.Rank}) in namespace {JobId}");
            Rank = (int)self.Rank;
            PmixProc job = self;
            job.Rank = PmixConstants.PmixRankWildcard;
            uint size = GetUInt(&job, PmixConstants.PmixJobSize);
            if (size < 1 || size > int.MaxValue || self.Rank >= size)
                throw new HpcMsgException($"PMIx gave rank {self.Rank} of job size {size} in namespace {JobId}");
            Size = (int)size;
        }
        catch
        {
            _lib.Finalize(null, 0);
            throw;
        }
    }

    public void Put(string key, string value)
    {
        CheckKey(key);
        byte[] text = NulTerminated(value);
        fixed (byte* k = NulTerminated(key))
        fixed (byte* v = text)
        {
            PmixValue pv = default;
            pv.Type = PmixConstants.PmixString;
            pv.Data.String = (nint)v; // PMIx_Put copies the value
            Check(_lib.Put(PmixConstants.PmixGlobal, k, &pv), $"PMIx_Put of {key}");
        }
    }

    public void Fence()
    {
        Check(_lib.Commit(), "PMIx_Commit");
        PmixInfo collect = default;
        WriteKey(collect.Key, PmixConstants.PmixCollectData);
        collect.Value.Type = PmixConstants.PmixBool;
        collect.Value.Data.Flag = 1;
        PmixProc all = _self;
        all.Rank = PmixConstants.PmixRankWildcard;
        Check(_lib.Fence(&all, 1, &collect, 1), "PMIx_Fence");
    }

    public string? Get(string key, int owner)
    {
        CheckKey(key);
        PmixProc from = _self;
        from.Rank = owner < 0 ? PmixConstants.PmixRankWildcard : (uint)owner;
        PmixValue* value = null;
        int rc;
        fixed (byte* k = NulTerminated(key)) rc = _lib.Get(&from, k, null, 0, &value);
        if (rc == PmixConstants.PmixErrNotFound) return null;
        Check(rc, $"PMIx_Get of {key} from rank {owner}");
        try
        {
            if (value is null) return null;
            if (value->Type != PmixConstants.PmixString)
                throw new HpcMsgException($"PMIx_Get of {key} from rank {owner}: a value of PMIx type {value->Type}, not a string");
            return Marshal.PtrToStringUTF8(value->Data.String) ?? "";
        }
        finally
        {
            Release(value);
        }
    }

    /// <summary>PMIx has no MPICH node map: null, and the ranks read each other's published nodes.</summary>
    public string? ProcessMapping() => null;

    public void FinalizeJob()
    {
        if (Interlocked.Exchange(ref _state, 1) != 0) return;
        Check(_lib.Finalize(null, 0), "PMIx_Finalize");
    }

    /// <summary>PMIx_Abort of the whole namespace: the launcher ends every rank. It returns once the
    /// server has the request (or failed to send it); the caller exits right after.</summary>
    public void Abort(int exitCode, string message)
    {
        Interlocked.Exchange(ref _state, 1);
        fixed (byte* m = NulTerminated($"exit code {exitCode}: {message}"))
        {
            PmixProc all = _self;
            all.Rank = PmixConstants.PmixRankWildcard;
            _lib.Abort(exitCode, m, &all, 1);
        }
    }

    /// <summary>Nothing beyond finalize: libpmix holds no resource HpcMsg could release earlier.</summary>
    public void Dispose()
    {
    }

    private uint GetUInt(PmixProc* proc, string key)
    {
        PmixValue* value = null;
        int rc;
        fixed (byte* k = NulTerminated(key)) rc = _lib.Get(proc, k, null, 0, &value);
        Check(rc, $"PMIx_Get of {key}");
        try
        {
            if (value is null) throw new HpcMsgException($"PMIx_Get of {key} returned no value");
            return value->Type switch
            {
                PmixConstants.PmixUint32 or PmixConstants.PmixProcRank => value->Data.Uint32,
                PmixConstants.PmixUint16 => value->Data.Uint16,
                _ => throw new HpcMsgException($"PMIx_Get of {key}: a value of PMIx type {value->Type}, not an unsigned integer"),
            };
        }
        finally
        {
            Release(value);
        }
    }

    /// <summary>PMIX_VALUE_RELEASE: libpmix allocated the value with malloc, and its contents too.</summary>
    private void Release(PmixValue* value)
    {
        if (value is null) return;
        _lib.ValueDestruct(value);
        NativeMemory.Free(value);
    }

    private void Check(int rc, string what)
    {
        if (rc != PmixConstants.PmixSuccess)
            throw new HpcMsgException($"rank {Rank}: {what} failed: {_lib.Describe(rc)}");
    }

    private static void CheckKey(string key)
    {
        if (key.Length == 0 || Encoding.UTF8.GetByteCount(key) > PmixConstants.PmixMaxKeylen)
            throw new HpcMsgException($"PMIx key '{key}' is empty or longer than {PmixConstants.PmixMaxKeylen} bytes");
    }

    private static byte[] NulTerminated(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    private static void WriteKey(byte* field, string key)
    {
        var target = new Span<byte>(field, PmixConstants.PmixMaxKeylen + 1);
        target.Clear();
        Encoding.ASCII.GetBytes(key, target);
    }

    private static string NamespaceOf(PmixProc* proc)
    {
        var bytes = new ReadOnlySpan<byte>(proc->Nspace, PmixConstants.PmixMaxNslen + 1);
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}
