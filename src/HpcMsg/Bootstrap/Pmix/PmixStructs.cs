using System.Runtime.InteropServices;

namespace HpcMsg.Bootstrap.Pmix;

/// <summary>
/// The PMIx structures the client passes to libpmix, laid out as pmix_common.h lays them out on 64-bit
/// Linux (PMIx 4; tools/pmix-layout prints the header's sizes and offsets, and PmixLayoutTests compares
/// them with these). Only the members HpcMsg reads or writes are named; the rest of a union is covered
/// by the explicit size.
/// </summary>
internal static class PmixConstants
{
    public const int PmixMaxNslen = 255;
    public const int PmixMaxKeylen = 511;

    // pmix_status_t
    public const int PmixSuccess = 0;
    public const int PmixErrNotFound = -46;

    // pmix_rank_t
    public const uint PmixRankWildcard = uint.MaxValue - 1;
    public const uint PmixRankUndef = uint.MaxValue;

    // pmix_data_type_t
    public const ushort PmixBool = 1;
    public const ushort PmixString = 3;
    public const ushort PmixUint16 = 13;
    public const ushort PmixUint32 = 14;
    public const ushort PmixProcRank = 40;

    // pmix_scope_t: share with every rank of the job, on this node and others.
    public const byte PmixGlobal = 3;

    // Attribute keys.
    public const string PmixJobSize = "pmix.job.size";
    public const string PmixCollectData = "pmix.collect";
}

/// <summary>pmix_proc_t: a process, as its namespace (the job) and its rank in it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PmixProc
{
    public fixed byte Nspace[PmixConstants.PmixMaxNslen + 1];
    public uint Rank;
}

/// <summary>The union of pmix_value_t (pointer-aligned, 24 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct PmixValueData
{
    [FieldOffset(0)] public byte Flag;
    [FieldOffset(0)] public ushort Uint16;
    [FieldOffset(0)] public uint Uint32;
    [FieldOffset(0)] public nint String;
}

/// <summary>pmix_value_t: a type tag and the union holding the value.</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct PmixValue
{
    [FieldOffset(0)] public ushort Type;
    [FieldOffset(8)] public PmixValueData Data;
}

/// <summary>pmix_info_t: a directive or attribute (key, flags, value), as PMIx_Init, PMIx_Fence and
/// PMIx_Get take them in arrays.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PmixInfo
{
    public fixed byte Key[PmixConstants.PmixMaxKeylen + 1];
    public uint Flags;
    public PmixValue Value;
}
