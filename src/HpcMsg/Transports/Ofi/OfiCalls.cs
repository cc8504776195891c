namespace HpcMsg.Transports.Ofi;

/// <summary>
/// libfabric's inline API (static inline functions of the headers) as C# does it: each call goes
/// through the object's operation table, exactly as the header's one-line body does. Names follow the
/// C functions without the fi_ prefix. Return values are libfabric's: 0 or a count, or a negative error.
/// </summary>
internal static unsafe class OfiCalls
{
    /// <summary>fi_domain</summary>
    public static int Domain(FidFabric* fabric, FiInfo* info, FidDomain** domain) =>
        fabric->Ops->Domain(fabric, info, domain, null);

    /// <summary>fi_trywait: 0 when the fids' wait objects may be waited on, -FI_EAGAIN when completions
    /// are already there (read them instead of sleeping).</summary>
    public static int TryWait(FidFabric* fabric, Fid** fids, int count) => fabric->Ops->TryWait(fabric, fids, count);

    /// <summary>fi_endpoint</summary>
    public static int Endpoint(FidDomain* domain, FiInfo* info, FidEp** ep) =>
        domain->Ops->Endpoint(domain, info, ep, null);

    /// <summary>fi_cq_open</summary>
    public static int CqOpen(FidDomain* domain, FiCqAttr* attr, FidCq** cq) =>
        domain->Ops->CqOpen(domain, attr, cq, null);

    /// <summary>fi_av_open</summary>
    public static int AvOpen(FidDomain* domain, FiAvAttr* attr, FidAv** av) =>
        domain->Ops->AvOpen(domain, attr, av, null);

    /// <summary>fi_ep_bind</summary>
    public static int EpBind(FidEp* ep, Fid* bfid, ulong flags) => ep->Fid.Ops->Bind(&ep->Fid, bfid, flags);

    /// <summary>fi_control</summary>
    public static int Control(Fid* fid, int command, void* arg) => fid->Ops->Control(fid, command, arg);

    /// <summary>fi_enable</summary>
    public static int Enable(FidEp* ep) => Control(&ep->Fid, OfiConstants.FiEnable, null);

    /// <summary>fi_getname on an endpoint (the header finds the fid_ep around the fid; here it is the ep).</summary>
    public static int GetName(FidEp* ep, void* addr, nuint* addrlen) => ep->Cm->GetName(&ep->Fid, addr, addrlen);

    /// <summary>fi_av_insert</summary>
    public static int AvInsert(FidAv* av, void* addr, nuint count, ulong* fiAddr, ulong flags) =>
        av->Ops->Insert(av, addr, count, fiAddr, flags, null);

    /// <summary>fi_mr_reg (offset 0, no flags, no context).</summary>
    public static int MrReg(FidDomain* domain, void* buf, nuint len, ulong access, ulong requestedKey, FidMr** mr) =>
        domain->Mr->Reg(&domain->Fid, buf, len, access, 0, requestedKey, 0, mr, null);

    /// <summary>fi_mr_desc</summary>
    public static void* MrDesc(FidMr* mr) => mr->MemDesc;

    /// <summary>fi_tsend; <paramref name="desc"/> is the buffer's fi_mr_desc, or null where the provider does not ask for one.</summary>
    public static nint TSend(FidEp* ep, void* buf, nuint len, void* desc, ulong dest, ulong tag, void* context) =>
        ep->Tagged->Send(ep, buf, len, desc, dest, tag, context);

    /// <summary>fi_tinject</summary>
    public static nint TInject(FidEp* ep, void* buf, nuint len, ulong dest, ulong tag) =>
        ep->Tagged->Inject(ep, buf, len, dest, tag);

    /// <summary>fi_trecv</summary>
    public static nint TRecv(FidEp* ep, void* buf, nuint len, void* desc, ulong src, ulong tag, ulong ignore, void* context) =>
        ep->Tagged->Recv(ep, buf, len, desc, src, tag, ignore, context);

    /// <summary>fi_cancel</summary>
    public static nint Cancel(FidEp* ep, void* context) => ep->Ops->Cancel(&ep->Fid, context);

    /// <summary>fi_cq_read</summary>
    public static nint CqRead(FidCq* cq, void* buf, nuint count) => cq->Ops->Read(cq, buf, count);

    /// <summary>fi_cq_readfrom: as fi_cq_read, with each completion's source address (FI_SOURCE).</summary>
    public static nint CqReadFrom(FidCq* cq, void* buf, nuint count, ulong* sources) => cq->Ops->ReadFrom(cq, buf, count, sources);

    /// <summary>fi_cq_readerr</summary>
    public static nint CqReadErr(FidCq* cq, FiCqErrEntry* buf) => cq->Ops->ReadErr(cq, buf, 0);

    /// <summary>fi_close</summary>
    public static int Close(Fid* fid) => fid->Ops->Close(fid);
}
