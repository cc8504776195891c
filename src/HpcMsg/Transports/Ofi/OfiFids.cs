using System.Runtime.InteropServices;

namespace HpcMsg.Transports.Ofi;

// libfabric's objects (fid_*) and their operation tables (fi_ops_*), as rdma/fabric.h, fi_domain.h,
// fi_endpoint.h, fi_cm.h, fi_tagged.h and fi_eq.h declare them. Most of libfabric's API is static
// inline C that calls through these tables (fi_domain is fabric->ops->domain(...)); OfiCalls does the
// same through the unmanaged function pointers below. Only the slots we call are typed precisely; the
// others are kept as void* so that the offsets stay right. OfiLayoutTests checks every slot's offset.
// Types are named after the C ones so that a reader can find them in the headers.

/// <summary>struct fi_ops: the operations every fid has.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiOps
{
    public nuint Size;
    public delegate* unmanaged<Fid*, int> Close;
    public delegate* unmanaged<Fid*, Fid*, ulong, int> Bind;
    public delegate* unmanaged<Fid*, int, void*, int> Control;
    public void* OpsOpen;
    public void* ToStr;
    public void* OpsSet;
}

/// <summary>struct fid: the head of every libfabric object.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Fid
{
    public nuint FClass;
    public void* Context;
    public FiOps* Ops;
}

/// <summary>struct fi_ops_fabric</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiOpsFabric
{
    public nuint Size;
    public delegate* unmanaged<FidFabric*, FiInfo*, FidDomain**, void*, int> Domain;
    public void* PassiveEp;
    public void* EqOpen;
    public void* WaitOpen;
    public delegate* unmanaged<FidFabric*, Fid**, int, int> TryWait;
    public void* Domain2;
}

/// <summary>struct fid_fabric</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FidFabric
{
    public Fid Fid;
    public FiOpsFabric* Ops;
    public uint ApiVersion;
}

/// <summary>struct fi_ops_domain</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiOpsDomain
{
    public nuint Size;
    public delegate* unmanaged<FidDomain*, FiAvAttr*, FidAv**, void*, int> AvOpen;
    public delegate* unmanaged<FidDomain*, FiCqAttr*, FidCq**, void*, int> CqOpen;
    public delegate* unmanaged<FidDomain*, FiInfo*, FidEp**, void*, int> Endpoint;
    public void* ScalableEp;
    public void* CntrOpen;
    public void* PollOpen;
    public void* StxCtx;
    public void* SrxCtx;
    public void* QueryAtomic;
    public void* QueryCollective;
    public void* Endpoint2;
}

/// <summary>struct fi_ops_mr: memory registration (fi_mr_reg and its vector and attribute forms).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiOpsMr
{
    public nuint Size;
    /// <summary>(domain fid, buf, len, access, offset, requested_key, flags, mr, context)</summary>
    public delegate* unmanaged<Fid*, void*, nuint, ulong, ulong, ulong, ulong, FidMr**, void*, int> Reg;
    public void* RegV;
    public void* RegAttr;
}

/// <summary>struct fid_domain</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FidDomain
{
    public Fid Fid;
    public FiOpsDomain* Ops;
    public FiOpsMr* Mr;
}

/// <summary>struct fid_mr: a registered memory region; <see cref="MemDesc"/> is what fi_mr_desc returns, the
/// descriptor passed with each data transfer that uses the region where the provider asks for FI_MR_LOCAL.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FidMr
{
    public Fid Fid;
    public void* MemDesc;
    public ulong Key;
}

/// <summary>struct fi_ops_ep</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiOpsEp
{
    public nuint Size;
    public delegate* unmanaged<Fid*, void*, nint> Cancel;
    public void* GetOpt;
    public void* SetOpt;
    public void* TxCtx;
    public void* RxCtx;
    public void* RxSizeLeft;
    public void* TxSizeLeft;
}

/// <summary>struct fi_ops_cm</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiOpsCm
{
    public nuint Size;
    public void* SetName;
    public delegate* unmanaged<Fid*, void*, nuint*, int> GetName;
    public void* GetPeer;
    public void* Connect;
    public void* Listen;
    public void* Accept;
    public void* Reject;
    public void* Shutdown;
    public void* Join;
}

/// <summary>struct fi_ops_tagged</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiOpsTagged
{
    public nuint Size;
    /// <summary>(ep, buf, len, desc, src_addr, tag, ignore, context)</summary>
    public delegate* unmanaged<FidEp*, void*, nuint, void*, ulong, ulong, ulong, void*, nint> Recv;
    public void* RecvV;
    public void* RecvMsg;
    /// <summary>(ep, buf, len, desc, dest_addr, tag, context)</summary>
    public delegate* unmanaged<FidEp*, void*, nuint, void*, ulong, ulong, void*, nint> Send;
    public void* SendV;
    public void* SendMsg;
    /// <summary>(ep, buf, len, dest_addr, tag): no completion, the buffer is free on return.</summary>
    public delegate* unmanaged<FidEp*, void*, nuint, ulong, ulong, nint> Inject;
    public void* SendData;
    public void* InjectData;
}

/// <summary>struct fid_ep</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FidEp
{
    public Fid Fid;
    public FiOpsEp* Ops;
    public FiOpsCm* Cm;
    public void* Msg;
    public void* Rma;
    public FiOpsTagged* Tagged;
    public void* Atomic;
    public void* Collective;
}

/// <summary>struct fi_ops_av</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiOpsAv
{
    public nuint Size;
    /// <summary>(av, addr, count, fi_addr, flags, context)</summary>
    public delegate* unmanaged<FidAv*, void*, nuint, ulong*, ulong, void*, int> Insert;
    public void* InsertSvc;
    public void* InsertSym;
    public void* Remove;
    public void* Lookup;
    public void* StrAddr;
    public void* AvSet;
}

/// <summary>struct fid_av</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FidAv
{
    public Fid Fid;
    public FiOpsAv* Ops;
}

/// <summary>struct fi_ops_cq</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiOpsCq
{
    public nuint Size;
    public delegate* unmanaged<FidCq*, void*, nuint, nint> Read;
    /// <summary>(cq, buf, count, src_addr)</summary>
    public delegate* unmanaged<FidCq*, void*, nuint, ulong*, nint> ReadFrom;
    public delegate* unmanaged<FidCq*, FiCqErrEntry*, ulong, nint> ReadErr;
    public void* SRead;
    public void* SReadFrom;
    public void* Signal;
    public void* StrError;
}

/// <summary>struct fid_cq</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FidCq
{
    public Fid Fid;
    public FiOpsCq* Ops;
}
