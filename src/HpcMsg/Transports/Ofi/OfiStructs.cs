using System.Runtime.InteropServices;

namespace HpcMsg.Transports.Ofi;

// The data structures of libfabric 1.17 (rdma/fabric.h, fi_domain.h, fi_eq.h), field for field, for
// 64-bit Linux. C enums are ints; size_t is nuint. OfiLayoutTests compares every offset and size
// here with those the C compiler gives from the installed headers (tools/ofi-layout).

/// <summary>struct fi_tx_attr</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FiTxAttr
{
    public ulong Caps;
    public ulong Mode;
    public ulong OpFlags;
    public ulong MsgOrder;
    public ulong CompOrder;
    public nuint InjectSize;
    public nuint Size;
    public nuint IovLimit;
    public nuint RmaIovLimit;
    public uint TClass;
}

/// <summary>struct fi_rx_attr</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FiRxAttr
{
    public ulong Caps;
    public ulong Mode;
    public ulong OpFlags;
    public ulong MsgOrder;
    public ulong CompOrder;
    public nuint TotalBufferedRecv;
    public nuint Size;
    public nuint IovLimit;
}

/// <summary>struct fi_ep_attr</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiEpAttr
{
    public int Type;
    public uint Protocol;
    public uint ProtocolVersion;
    public nuint MaxMsgSize;
    public nuint MsgPrefixSize;
    public nuint MaxOrderRawSize;
    public nuint MaxOrderWarSize;
    public nuint MaxOrderWawSize;
    public ulong MemTagFormat;
    public nuint TxCtxCnt;
    public nuint RxCtxCnt;
    public nuint AuthKeySize;
    public byte* AuthKey;
}

/// <summary>struct fi_domain_attr</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiDomainAttr
{
    public FidDomain* Domain;
    public byte* Name;
    public int Threading;
    public int ControlProgress;
    public int DataProgress;
    public int ResourceMgmt;
    public int AvType;
    public int MrMode;
    public nuint MrKeySize;
    public nuint CqDataSize;
    public nuint CqCnt;
    public nuint EpCnt;
    public nuint TxCtxCnt;
    public nuint RxCtxCnt;
    public nuint MaxEpTxCtx;
    public nuint MaxEpRxCtx;
    public nuint MaxEpStxCtx;
    public nuint MaxEpSrxCtx;
    public nuint CntrCnt;
    public nuint MrIovLimit;
    public ulong Caps;
    public ulong Mode;
    public byte* AuthKey;
    public nuint AuthKeySize;
    public nuint MaxErrData;
    public nuint MrCnt;
    public uint TClass;
}

/// <summary>struct fi_fabric_attr</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiFabricAttr
{
    public FidFabric* Fabric;
    public byte* Name;
    public byte* ProvName;
    public uint ProvVersion;
    public uint ApiVersion;
}

/// <summary>struct fi_info: one way to reach the network, as fi_getinfo lists them.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiInfo
{
    public FiInfo* Next;
    public ulong Caps;
    public ulong Mode;
    public uint AddrFormat;
    public nuint SrcAddrLen;
    public nuint DestAddrLen;
    public void* SrcAddr;
    public void* DestAddr;
    public Fid* Handle;
    public FiTxAttr* TxAttr;
    public FiRxAttr* RxAttr;
    public FiEpAttr* EpAttr;
    public FiDomainAttr* DomainAttr;
    public FiFabricAttr* FabricAttr;
    public void* Nic;
}

/// <summary>struct fi_cq_attr</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiCqAttr
{
    public nuint Size;
    public ulong Flags;
    public int Format;
    public int WaitObj;
    public int SignalingVector;
    public int WaitCond;
    public void* WaitSet;
}

/// <summary>struct fi_av_attr</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiAvAttr
{
    public int Type;
    public int RxCtxBits;
    public nuint Count;
    public nuint EpPerNode;
    public byte* Name;
    public void* MapAddr;
    public ulong Flags;
}

/// <summary>struct fi_cq_tagged_entry: one completion, as a CQ of FI_CQ_FORMAT_TAGGED reports it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiCqTaggedEntry
{
    public void* OpContext;
    public ulong Flags;
    public nuint Len;
    public void* Buf;
    public ulong Data;
    public ulong Tag;
}

/// <summary>struct fi_cq_err_entry: a failed operation, read with fi_cq_readerr after -FI_EAVAIL.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiCqErrEntry
{
    public void* OpContext;
    public ulong Flags;
    public nuint Len;
    public void* Buf;
    public ulong Data;
    public ulong Tag;
    public nuint OLen;
    public int Err;
    public int ProvErrno;
    public void* ErrData;
    public nuint ErrDataSize;
}

/// <summary>struct fi_context2: the per-operation scratch a provider with FI_CONTEXT2 mode owns
/// until the operation completes (8 pointers; FI_CONTEXT's 4 fit in it).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FiContext2
{
    public fixed ulong Internal[8];
}
