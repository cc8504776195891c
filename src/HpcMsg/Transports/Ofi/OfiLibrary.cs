using System.Runtime.InteropServices;

namespace HpcMsg.Transports.Ofi;

/// <summary>
/// libfabric, loaded at run time: a machine without it runs on TCP, so nothing here is linked at build
/// time. <see cref="Shared"/> loads <c>libfabric.so.1</c> once per process; when that fails (not
/// installed, too old, a symbol missing) every member says why through <see cref="WhyUnavailable"/>
/// instead of throwing. The library is never unloaded: providers start threads and keep state for the
/// life of the process.
/// </summary>
/// <remarks>
/// The exported functions are bound to the symbol versions whose <c>struct fi_info</c> layout OfiStructs
/// mirrors (fi_getinfo, fi_dupinfo and fi_freeinfo at FABRIC_1.3, fi_fabric at FABRIC_1.1), with
/// dlvsym: a newer libfabric keeps those versions for old programs, while its default symbols may expect
/// a longer fi_info. Where dlvsym finds nothing (a libfabric built without symbol versions), the default
/// export is used.
/// </remarks>
internal sealed unsafe partial class OfiLibrary
{
    public const string DefaultName = "libfabric.so.1";

    /// <summary>The oldest libfabric whose structures match OfiStructs and OfiFids.</summary>
    public const uint MinimumVersion = OfiConstants.ApiVersion;

    private static readonly Lazy<OfiLibrary> Default = new(() => Load(DefaultName));

    private readonly delegate* unmanaged<uint, byte*, byte*, ulong, FiInfo*, FiInfo**, int> _getInfo;
    private readonly delegate* unmanaged<FiInfo*, void> _freeInfo;
    private readonly delegate* unmanaged<FiInfo*, FiInfo*> _dupInfo;
    private readonly delegate* unmanaged<FiFabricAttr*, FidFabric**, void*, int> _fabric;
    private readonly delegate* unmanaged<int, byte*> _strError;

    private OfiLibrary(string name, string? whyUnavailable) => (Name, WhyUnavailable) = (name, whyUnavailable);

    private OfiLibrary(string name, uint version, nint handle) : this(name, null)
    {
        Version = version;
        _getInfo = (delegate* unmanaged<uint, byte*, byte*, ulong, FiInfo*, FiInfo**, int>)Bind(handle, "fi_getinfo", "FABRIC_1.3");
        _freeInfo = (delegate* unmanaged<FiInfo*, void>)Bind(handle, "fi_freeinfo", "FABRIC_1.3");
        _dupInfo = (delegate* unmanaged<FiInfo*, FiInfo*>)Bind(handle, "fi_dupinfo", "FABRIC_1.3");
        _fabric = (delegate* unmanaged<FiFabricAttr*, FidFabric**, void*, int>)Bind(handle, "fi_fabric", "FABRIC_1.1");
        _strError = (delegate* unmanaged<int, byte*>)Bind(handle, "fi_strerror", "FABRIC_1.0");
    }

    /// <summary>libfabric as this process loads it (once).</summary>
    public static OfiLibrary Shared => Default.Value;

    /// <summary>The name or path given to the loader.</summary>
    public string Name { get; }

    /// <summary>Null when libfabric is loaded and usable; otherwise why not, in a sentence.</summary>
    public string? WhyUnavailable { get; }

    public bool IsAvailable => WhyUnavailable is null;

    /// <summary>fi_version(): FI_VERSION(major, minor) of the loaded library; 0 when not loaded.</summary>
    public uint Version { get; }

    public string VersionText => $"{Version >> 16}.{Version & 0xFFFF}";

    /// <summary>Loads <paramref name="name"/> (a file name the dynamic loader searches for, or a path).</summary>
    public static OfiLibrary Load(string name)
    {
        if (!OperatingSystem.IsLinux())
            return new OfiLibrary(name, "the libfabric transport is built for Linux only");
        if (!NativeLibrary.TryLoad(name, out nint handle))
            return new OfiLibrary(name, $"{name} could not be loaded (is libfabric1 installed?)");
        try
        {
            if (!NativeLibrary.TryGetExport(handle, "fi_version", out nint versionExport))
                return new OfiLibrary(name, $"{name} has no fi_version; it is not libfabric");
            uint version = ((delegate* unmanaged<uint>)versionExport)();
            if (version < MinimumVersion)
                return new OfiLibrary(name, $"{name} is libfabric {version >> 16}.{version & 0xFFFF}; 1.17 or later is needed");
            return new OfiLibrary(name, version, handle);
        }
        catch (EntryPointNotFoundException e)
        {
            return new OfiLibrary(name, $"{name} lacks a function HpcMsg needs: {e.Message}");
        }
    }

    /// <summary>fi_getinfo(ApiVersion, node, NULL, flags, hints, &amp;info). Returns 0 or a negative
    /// libfabric error (-FI_ENODATA: nothing matches).</summary>
    public int GetInfo(string? node, ulong flags, FiInfo* hints, FiInfo** info)
    {
        EnsureAvailable();
        byte* nodeText = node is null ? null : (byte*)Marshal.StringToCoTaskMemUTF8(node);
        try { return _getInfo(OfiConstants.ApiVersion, nodeText, null, flags, hints, info); }
        finally { Marshal.FreeCoTaskMem((nint)nodeText); }
    }

    public void FreeInfo(FiInfo* info)
    {
        EnsureAvailable();
        if (info is not null) _freeInfo(info);
    }

    /// <summary>fi_allocinfo(): an empty fi_info with every attribute structure allocated, for hints;
    /// released with <see cref="FreeInfo"/>, which also frees the strings it points to (with free()).</summary>
    public FiInfo* AllocInfo()
    {
        EnsureAvailable();
        FiInfo* info = _dupInfo(null);
        if (info is null) throw new OutOfMemoryException("fi_allocinfo returned NULL");
        return info;
    }

    public int Fabric(FiFabricAttr* attr, FidFabric** fabric)
    {
        EnsureAvailable();
        return _fabric(attr, fabric, null);
    }

    /// <summary>fi_strerror for a libfabric error code (either sign).</summary>
    public string StrError(int code)
    {
        if (!IsAvailable) return $"libfabric error {code}";
        return Marshal.PtrToStringUTF8((nint)_strError(Math.Abs(code))) ?? $"libfabric error {code}";
    }

    private void EnsureAvailable()
    {
        if (WhyUnavailable is not null) throw new InvalidOperationException($"libfabric is not available: {WhyUnavailable}");
    }

    private static nint Bind(nint handle, string symbol, string version)
    {
        nint versioned = TryVersioned(handle, symbol, version);
        return versioned != 0 ? versioned : NativeLibrary.GetExport(handle, symbol);
    }

    private static nint TryVersioned(nint handle, string symbol, string version)
    {
        try
        {
            nint s = Marshal.StringToCoTaskMemUTF8(symbol), v = Marshal.StringToCoTaskMemUTF8(version);
            try { return dlvsym(handle, (byte*)s, (byte*)v); }
            finally { Marshal.FreeCoTaskMem(s); Marshal.FreeCoTaskMem(v); }
        }
        catch (EntryPointNotFoundException)
        {
            return 0; // a C library without dlvsym (not glibc): the default symbols it is
        }
    }

    [LibraryImport("libc")]
    private static partial nint dlvsym(nint handle, byte* symbol, byte* version);
}
