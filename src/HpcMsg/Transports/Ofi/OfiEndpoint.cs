using System.Runtime.InteropServices;

namespace HpcMsg.Transports.Ofi;

/// <summary>
/// One tagged RDM endpoint of one provider, with everything it needs: fabric, domain, an address vector
/// (FI_AV_TABLE: peer i inserted i-th is fi_addr i), one completion queue for sends and receives
/// (FI_CQ_FORMAT_TAGGED, with a file descriptor to sleep on where the provider has one), as fabtests'
/// RDM tests, Open MPI's mtl/ofi and MPICH's ch4 ofi netmod set them up.
/// </summary>
/// <remarks>
/// Hot calls (<see cref="TrySend"/>, <see cref="TryInject"/>, <see cref="TryReceive"/>, <see cref="Poll"/>)
/// allocate nothing: buffers and the per-operation <see cref="FiContext2"/> are the caller's pinned
/// memory, which must stay put until the operation's completion is polled; the CQ is read into a
/// stack buffer. Not thread-safe (FI_THREAD_DOMAIN): one thread at a time, as under the engine's lock.
/// </remarks>
internal sealed unsafe partial class OfiEndpoint : IDisposable
{
    private const int PollBatch = 16;
    private const short PollIn = 1;
    private const int EIntr = 4;

    private readonly OfiLibrary _library;
    private FiInfo* _info;
    private FidFabric* _fabric;
    private FidDomain* _domain;
    private FidCq* _cq;
    private FidAv* _av;
    private FidEp* _ep;
    // Memory regions open in the domain (fi_mr_reg), closed at Dispose after the endpoint: sized for every
    // operation the transport can have posted, so that adding and removing one allocates nothing.
    private readonly HashSet<nint> _regions = new(1024);
    private ulong _nextKey = 1; // requested_key: unique per region where the provider does not choose keys (no FI_MR_PROV_KEY)

    private OfiEndpoint(OfiLibrary library, FiInfo* info, bool forceRegistration)
    {
        _library = library;
        _info = info;
        Offer = OfiProviderInfo.From(info);
        ReportsSources = (info->Caps & OfiConstants.FiSource) != 0;
        ReportsUnknownSources = ReportsSources && (info->Caps & OfiConstants.FiSourceErr) != 0;
        ProviderRequiresRegistration = (info->DomainAttr->MrMode & OfiConstants.FiMrLocal) != 0;
        RegistersLocal = ProviderRequiresRegistration || forceRegistration;
        AuthKeySize = info->DomainAttr->AuthKeySize;
    }

    /// <summary>Whether the provider asks for registered local buffers (FI_MR_LOCAL kept in the fi_info it
    /// returned: verbs;ofi_rxm, efa; not net or tcp;ofi_rxm in libfabric 1.17).</summary>
    public bool ProviderRequiresRegistration { get; }

    /// <summary>Whether buffers are registered (<see cref="Register"/>) and their descriptors passed with each
    /// post: where the provider requires it, or where asked (HPCMSG_OFI_MR_LOCAL=1, which tests the path on the
    /// providers that do not need it). Otherwise <see cref="Register"/> returns null and null descriptors go.</summary>
    public bool RegistersLocal { get; }

    /// <summary>Whether the domain was opened with an auth_key made from the job secret (<see cref="OfiAuthKey"/>:
    /// psm3; no test provider takes one).</summary>
    public bool AuthKeyFromJob { get; private set; }

    /// <summary>The auth_key size the provider reported (0: it takes none).</summary>
    public ulong AuthKeySize { get; }

    /// <summary>Regions registered since the endpoint opened, for tests and diagnostics.</summary>
    public long Registrations { get; private set; }

    /// <summary>Regions registered by every endpoint of this process (the test app prints it: a job's ranks
    /// show that they took the registered path).</summary>
    public static long RegistrationsInProcess => Interlocked.Read(ref s_registrations);

    private static long s_registrations;

    /// <summary>Regions registered and not yet closed.</summary>
    public int OpenRegistrations => _regions.Count;

    /// <summary>Posts (sends and receives) that the provider took with a descriptor, for tests.</summary>
    public long PostsWithDescriptor { get; private set; }

    /// <summary>Whether the provider reports each receive's source (FI_SOURCE; <see cref="Poll"/> then
    /// fills <see cref="OfiCompletion.Source"/>): net and tcp;ofi_rxm in libfabric 1.17 do.</summary>
    public bool ReportsSources { get; }

    /// <summary>Whether a message from a sender not in the address vector comes as an error completion
    /// (FI_SOURCE_ERR, FI_EADDRNOTAVAIL) rather than with the source FI_ADDR_NOTAVAIL: neither net nor
    /// tcp;ofi_rxm in 1.17 offers it.</summary>
    public bool ReportsUnknownSources { get; }

    /// <summary>The fi_info this endpoint was opened from.</summary>
    public OfiProviderInfo Offer { get; }

    /// <summary>The completion queue's file descriptor (readable when a completion may be there), or -1
    /// where the provider offers none (then <see cref="Wait"/> returns at once and the caller spins).</summary>
    public int WaitFd { get; private set; } = -1;

    /// <summary>Null when a blocked rank may sleep on <see cref="WaitFd"/> after <see cref="TryWait"/>;
    /// otherwise why not (no wait fd, or a provider whose fi_trywait cannot be trusted: <see cref="OfiWaiting"/>).</summary>
    public string? WhyNoWaitFd => WaitFd < 0
        ? $"{Offer.Provider} opened no completion queue with a wait fd (FI_WAIT_FD)"
        : OfiWaiting.WhyNotTrusted(Offer.Provider, _library.Version);

    /// <summary>This endpoint's address, as peers pass it to <see cref="InsertPeer"/>.</summary>
    public byte[] Name { get; private set; } = [];

    /// <summary>Opens an endpoint of <paramref name="provider"/> bound to <paramref name="sourceAddress"/>
    /// (an IP address of the interface to use, for the socket providers; null lets libfabric choose),
    /// with room for <paramref name="peers"/> peers in its address vector.</summary>
    /// <param name="library">The loaded libfabric.</param>
    /// <param name="provider">The provider's name, with its layering ("tcp;ofi_rxm").</param>
    /// <param name="sourceAddress">The interface's address to bind to; null: libfabric chooses.</param>
    /// <param name="peers">Room in the address vector.</param>
    /// <param name="jobSecret">The job's secret: where the provider's auth_key is the job's to choose
    /// (<see cref="OfiAuthKey"/>), the domain is opened with a key made from it.</param>
    /// <param name="registerLocal">Register buffers and pass descriptors even where the provider does not
    /// require it (FI_MR_LOCAL); null: as HPCMSG_OFI_MR_LOCAL says.</param>
    public static OfiEndpoint Open(OfiLibrary library, string provider, string? sourceAddress, int peers, bool? registerLocal = null, byte[]? jobSecret = null)
    {
        // The sources of receives where the provider reports them (FI_SOURCE, and FI_SOURCE_ERR for a
        // sender not in the address vector): the transport drops what does not come from the job.
        FiInfo* info = null;
        int rc = -OfiConstants.FiENoData;
        foreach (ulong caps in (ReadOnlySpan<ulong>)[OfiConstants.FiSource | OfiConstants.FiSourceErr, OfiConstants.FiSource, 0])
        {
            FiInfo* hints = OfiHints.Create(library, provider, extraCaps: caps);
            try { rc = library.GetInfo(sourceAddress, sourceAddress is null ? 0 : OfiConstants.FiSource, hints, &info); }
            finally { library.FreeInfo(hints); }
            if (rc != -OfiConstants.FiENoData) break;
        }
        OfiException.Check(library, rc, $"fi_getinfo (provider {provider}, source {sourceAddress ?? "any"})");

        var endpoint = new OfiEndpoint(library, info, registerLocal ?? Configuration.Parameters.OfiMrLocal.Read());
        try
        {
            endpoint.SetAuthKey(jobSecret);
            endpoint.OpenObjects(peers);
            return endpoint;
        }
        catch
        {
            endpoint.Dispose();
            throw;
        }
    }

    /// <summary>domain_attr.auth_key from the job secret where <see cref="OfiAuthKey.For"/> gives one; fi_freeinfo
    /// frees it with free(), so it comes from malloc (NativeMemory.Alloc).</summary>
    private void SetAuthKey(byte[]? jobSecret)
    {
        if (OfiAuthKey.For(Offer.Provider, AuthKeySize, jobSecret) is not byte[] key) return;
        byte* p = (byte*)NativeMemory.Alloc((nuint)key.Length);
        key.CopyTo(new Span<byte>(p, key.Length));
        _info->DomainAttr->AuthKey = p;
        _info->DomainAttr->AuthKeySize = (nuint)key.Length;
        AuthKeyFromJob = true;
    }

    private void OpenObjects(int peers)
    {
        int tagBits = OfiTagLayout.ProviderBits(_info->EpAttr->MemTagFormat);
        if (tagBits < OfiTagLayout.Bits)
            throw new OfiException("mem_tag_format", 0, $"{Offer.Provider} matches {tagBits} tag bits; the tag layout needs {OfiTagLayout.Bits}");

        FidFabric* fabric;
        Check(_library.Fabric(_info->FabricAttr, &fabric), "fi_fabric");
        _fabric = fabric;
        FidDomain* domain;
        Check(OfiCalls.Domain(_fabric, _info, &domain), "fi_domain");
        _domain = domain;
        OpenCompletionQueue();

        FiAvAttr avAttr = default;
        avAttr.Type = OfiConstants.FiAvTable;
        avAttr.Count = (nuint)Math.Max(peers, 1);
        FidAv* av;
        Check(OfiCalls.AvOpen(_domain, &avAttr, &av), "fi_av_open");
        _av = av;

        FidEp* ep;
        Check(OfiCalls.Endpoint(_domain, _info, &ep), "fi_endpoint");
        _ep = ep;
        Check(OfiCalls.EpBind(_ep, &_cq->Fid, OfiConstants.FiTransmit | OfiConstants.FiRecv), "fi_ep_bind (cq)");
        Check(OfiCalls.EpBind(_ep, &_av->Fid, 0), "fi_ep_bind (av)");
        Check(OfiCalls.Enable(_ep), "fi_enable");
        Name = ReadName();
    }

    /// <summary>A CQ with a file descriptor to sleep on (FI_WAIT_FD) where the provider has one, else
    /// one without a wait object, polled only.</summary>
    private void OpenCompletionQueue()
    {
        FiCqAttr attr = default;
        attr.Format = OfiConstants.FiCqFormatTagged;
        attr.WaitObj = OfiConstants.FiWaitFd;
        FidCq* cq;
        if (OfiCalls.CqOpen(_domain, &attr, &cq) == 0)
        {
            _cq = cq;
            int fd = -1;
            Check(OfiCalls.Control(&_cq->Fid, OfiConstants.FiGetWait, &fd), "fi_control (FI_GETWAIT)");
            WaitFd = fd;
            return;
        }
        attr.WaitObj = OfiConstants.FiWaitNone;
        Check(OfiCalls.CqOpen(_domain, &attr, &cq), "fi_cq_open");
        _cq = cq;
    }

    private byte[] ReadName()
    {
        byte* buffer = stackalloc byte[256];
        nuint length = 256;
        int rc = OfiCalls.GetName(_ep, buffer, &length);
        if (rc == -OfiConstants.FiETooSmall)
        {
            byte[] large = new byte[(int)length];
            fixed (byte* p = large) Check(OfiCalls.GetName(_ep, p, &length), "fi_getname");
            return large[..(int)length];
        }
        Check(rc, "fi_getname");
        return new ReadOnlySpan<byte>(buffer, (int)length).ToArray();
    }

    /// <summary>Adds a peer's <see cref="Name"/> to the address vector; returns its fi_addr.</summary>
    public ulong InsertPeer(ReadOnlySpan<byte> name)
    {
        ulong address = OfiConstants.FiAddrUnspec;
        int rc;
        fixed (byte* p = name) rc = OfiCalls.AvInsert(_av, p, 1, &address, 0);
        Check(rc, "fi_av_insert");
        if (rc != 1) throw new OfiException("fi_av_insert", 0, $"inserted {rc} of 1 addresses");
        return address;
    }

    /// <summary>Registers <paramref name="length"/> bytes at <paramref name="buffer"/> for sends and receives
    /// (fi_mr_reg, FI_SEND | FI_RECV) where <see cref="RegistersLocal"/>; null otherwise, or for no bytes. The
    /// memory must stay put until <see cref="Deregister"/> (or <see cref="Dispose"/>, which closes what is left
    /// after the endpoint). Allocates nothing managed (the provider allocates its region).</summary>
    public FidMr* Register(void* buffer, nuint length)
    {
        if (!RegistersLocal || length == 0) return null;
        FidMr* mr;
        Check(OfiCalls.MrReg(_domain, buffer, length, OfiConstants.FiSend | OfiConstants.FiRecv, _nextKey++, &mr), "fi_mr_reg");
        _regions.Add((nint)mr);
        Registrations++;
        Interlocked.Increment(ref s_registrations);
        return mr;
    }

    /// <summary>Closes a region of <see cref="Register"/> (null: nothing), once no posted operation uses it.</summary>
    public void Deregister(FidMr* region)
    {
        if (region is null || !_regions.Remove((nint)region)) return;
        OfiCalls.Close(&region->Fid);
    }

    /// <summary>The descriptor to pass with a post into or from <paramref name="region"/> (fi_mr_desc); null for no region.</summary>
    public static void* Descriptor(FidMr* region) => region is null ? null : OfiCalls.MrDesc(region);

    /// <summary>Posts a tagged send of <paramref name="length"/> bytes at <paramref name="buffer"/>, with the
    /// buffer's <paramref name="descriptor"/> (<see cref="Descriptor"/>; null where nothing is registered);
    /// false when the provider has no room now (poll, then try again).</summary>
    public bool TrySend(void* buffer, nuint length, void* descriptor, ulong destination, ulong tag, FiContext2* context)
    {
        if (!Posted(OfiCalls.TSend(_ep, buffer, length, descriptor, destination, tag, context), "fi_tsend")) return false;
        if (descriptor is not null) PostsWithDescriptor++;
        return true;
    }

    /// <summary>A send of at most <see cref="OfiProviderInfo.InjectSize"/> bytes that is done on return:
    /// no completion comes for it. False when the provider has no room now.</summary>
    public bool TryInject(void* buffer, nuint length, ulong destination, ulong tag) =>
        Posted(OfiCalls.TInject(_ep, buffer, length, destination, tag), "fi_tinject");

    /// <summary>Posts a tagged receive into <paramref name="capacity"/> bytes at <paramref name="buffer"/> (registered
    /// as <paramref name="descriptor"/> says, as for <see cref="TrySend"/>)
    /// for a message whose tag equals <paramref name="tag"/> outside the <paramref name="ignore"/> bits,
    /// from <paramref name="source"/> (FI_ADDR_UNSPEC: anyone). False when there is no room now.</summary>
    public bool TryReceive(void* buffer, nuint capacity, void* descriptor, ulong source, ulong tag, ulong ignore, FiContext2* context)
    {
        if (!Posted(OfiCalls.TRecv(_ep, buffer, capacity, descriptor, source, tag, ignore, context), "fi_trecv")) return false;
        if (descriptor is not null) PostsWithDescriptor++;
        return true;
    }

    /// <summary>libfabric's text for an error completion's code (fi_strerror), for failure messages.</summary>
    public string ErrorText(int error) => $"{_library.StrError(error)} ({error})";

    /// <summary>Withdraws a posted receive; its completion then comes with FI_ECANCELED (or as usual when
    /// it had already matched). False when the operation was not found.</summary>
    public bool Cancel(FiContext2* context) => OfiCalls.Cancel(_ep, context) == 0;

    /// <summary>Reads finished operations into <paramref name="into"/> (and makes progress, for the
    /// providers that progress only when asked); returns how many.</summary>
    public int Poll(Span<OfiCompletion> into)
    {
        FiCqTaggedEntry* entries = stackalloc FiCqTaggedEntry[PollBatch];
        ulong* sources = stackalloc ulong[PollBatch];
        nuint count = (nuint)Math.Min(into.Length, PollBatch);
        nint n = ReportsSources ? OfiCalls.CqReadFrom(_cq, entries, count, sources) : OfiCalls.CqRead(_cq, entries, count);
        if (n > 0)
        {
            for (int i = 0; i < (int)n; i++)
            {
                FiCqTaggedEntry* e = entries + i;
                into[i] = new OfiCompletion((nint)e->OpContext, e->Flags, e->Tag, e->Len, 0, 0, ReportsSources ? sources[i] : OfiConstants.FiAddrUnspec);
            }
            return (int)n;
        }
        if (n == 0 || n == -OfiConstants.FiEAgain) return 0;
        if (n != -OfiConstants.FiEAvail) Check(n, "fi_cq_read");
        FiCqErrEntry error = default;
        Check(OfiCalls.CqReadErr(_cq, &error), "fi_cq_readerr");
        // FI_EADDRNOTAVAIL (FI_SOURCE_ERR): a sender not in the address vector, its address in err_data.
        ulong from = error.Err == OfiConstants.FiEAddrNotAvail ? OfiConstants.FiAddrNotAvail : OfiConstants.FiAddrUnspec;
        into[0] = new OfiCompletion((nint)error.OpContext, error.Flags, error.Tag, error.Len, error.Err, error.OLen, from);
        return 1;
    }

    /// <summary>Sleeps on the CQ's file descriptor until a completion may be there or
    /// <paramref name="timeoutMs"/> passes (fi_trywait first: sleeping with completions queued would
    /// miss them). Returns at once, false, where the provider has no file descriptor.</summary>
    public bool Wait(int timeoutMs)
    {
        if (WaitFd < 0) return false;
        int rc = TryWait();
        if (rc == -OfiConstants.FiEAgain) return true;
        Check(rc, "fi_trywait");
        PollFd p = new() { Fd = WaitFd, Events = PollIn };
        int ready = poll(&p, 1, timeoutMs);
        if (ready < 0 && Marshal.GetLastPInvokeError() != EIntr) throw new OfiException("poll (cq wait fd)", -Marshal.GetLastPInvokeError(), "poll failed");
        return ready > 0;
    }

    /// <summary>fi_trywait on the completion queue, before a wait on <see cref="WaitFd"/>: 0 when the
    /// caller may block on it now (what completes from here on makes it readable), -FI_EAGAIN when
    /// completions (or events the provider must first be asked to move) are already there: read the
    /// queue instead of sleeping. Another negative error: the provider cannot say (do not sleep on it).
    /// Called with the endpoint's other calls serialised (FI_THREAD_DOMAIN), as the engine's lock does.</summary>
    public int TryWait()
    {
        if (WaitFd < 0) return -OfiConstants.FiENoData;
        Fid* fid = &_cq->Fid;
        return OfiCalls.TryWait(_fabric, &fid, 1);
    }

    public void Dispose()
    {
        // Children before parents, as libfabric requires (fi_close of a domain with an open endpoint fails).
        Close((Fid*)_ep); _ep = null;
        // Regions after the endpoint, whose operations may still have used them, and before the domain.
        foreach (nint region in _regions) Close(&((FidMr*)region)->Fid);
        _regions.Clear();
        Close((Fid*)_av); _av = null;
        Close((Fid*)_cq); _cq = null;
        Close((Fid*)_domain); _domain = null;
        Close((Fid*)_fabric); _fabric = null;
        if (_info is not null) _library.FreeInfo(_info);
        _info = null;
    }

    private static void Close(Fid* fid)
    {
        if (fid is not null) OfiCalls.Close(fid);
    }

    private bool Posted(nint rc, string call)
    {
        if (rc == 0) return true;
        if (rc == -OfiConstants.FiEAgain) return false;
        Check(rc, call);
        return false;
    }

    /// <summary>Throws for a negative <paramref name="rc"/>; the message is built only then, so that the
    /// hot calls allocate nothing on success.</summary>
    private void Check(long rc, string call)
    {
        if (rc < 0) OfiException.Check(_library, rc, $"{call} ({Offer.Provider})");
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollFd* fds, nuint count, int timeoutMs);
}
