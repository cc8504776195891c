namespace HpcMsg.Transports.Ofi;

/// <summary>The values of libfabric's macros and enums that this transport uses, from the 1.17 headers
/// (rdma/fabric.h, fi_eq.h, fi_errno.h). They are part of libfabric's ABI and do not change between
/// releases.</summary>
internal static class OfiConstants
{
    /// <summary>FI_VERSION(1, 17): the API version we ask fi_getinfo for; the layouts mirrored in
    /// OfiStructs and OfiFids are those of this version.</summary>
    public const uint ApiVersion = (1u << 16) | 17u;

    // Capabilities (fabric.h).
    public const ulong FiRma = 1UL << 2;
    public const ulong FiTagged = 1UL << 3;
    public const ulong FiRecv = 1UL << 10;
    public const ulong FiSend = 1UL << 11;
    public const ulong FiRead = 1UL << 8;
    public const ulong FiWrite = 1UL << 9;
    public const ulong FiRemoteRead = 1UL << 12;
    public const ulong FiRemoteWrite = 1UL << 13;

    /// <summary>One-sided reads and writes, both ways.</summary>
    public const ulong FiRmaAll = FiRma | FiRead | FiWrite | FiRemoteRead | FiRemoteWrite;

    // Mode bits: the provider may use the context we pass with each operation as its own scratch.
    public const ulong FiContext = 1UL << 59;
    public const ulong FiContext2 = 1UL << 52;

    // fi_getinfo flags; FI_SOURCE is also the capability to report a receive's source address
    // (fi_cq_readfrom), FI_SOURCE_ERR the one to report an unknown source as an error completion.
    public const ulong FiSource = 1UL << 57;
    public const ulong FiSourceErr = 1UL << 50;

    /// <summary>FI_ADDR_NOTAVAIL: the source of a completion whose sender is not in the address vector.</summary>
    public const ulong FiAddrNotAvail = ulong.MaxValue;

    // enum fi_ep_type
    public const int FiEpRdm = 3;

    // enum fi_av_type
    public const int FiAvTable = 2;

    // enum fi_threading
    public const int FiThreadDomain = 3;

    // Memory registration modes (fabric.h): what a provider may ask of the buffers we hand it. FI_MR_LOCAL:
    // local buffers must be registered and their descriptor passed with each operation (verbs, efa).
    public const int FiMrLocal = 1 << 2;
    public const int FiMrVirtAddr = 1 << 4;
    public const int FiMrAllocated = 1 << 5;
    public const int FiMrProvKey = 1 << 6;

    // enum fi_cq_format, enum fi_wait_obj
    public const int FiCqFormatTagged = 4;
    public const int FiWaitNone = 0;
    public const int FiWaitFd = 3;

    // Control commands (fabric.h enum): FI_GETWAIT = 5, FI_ENABLE = 6.
    public const int FiGetWait = 5;
    public const int FiEnable = 6;

    // fi_ep_bind flags: FI_TRANSMIT (= FI_SEND) and FI_RECV.
    public const ulong FiTransmit = FiSend;

    public const ulong FiAddrUnspec = ulong.MaxValue;

    // Errors, returned negated (fi_errno.h): system errno values, then libfabric's own from 256.
    public const int FiEAgain = 11;
    public const int FiENoData = 61;
    public const int FiEAddrNotAvail = 99;
    public const int FiECanceled = 125;
    public const int FiETooSmall = 257;
    public const int FiEAvail = 259;
    public const int FiETrunc = 265;
}
