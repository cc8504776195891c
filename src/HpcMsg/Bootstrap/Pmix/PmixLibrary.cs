using System.Runtime.InteropServices;

namespace HpcMsg.Bootstrap.Pmix;

/// <summary>
/// libpmix, loaded at run time when a PMIx launcher started the process (srun --mpi=pmix, Open MPI's
/// mpirun or prterun): nothing links it at build time, so a machine without it runs every other way.
/// <see cref="Load()"/> tries <c>libpmix.so.2</c> (the library of PMIx 3 and later), then
/// <c>libpmix.so</c>, or only the name or path in HPCMSG_PMIX_LIBRARY; when none loads, or one lacks a
/// function, it fails with a message that names everything it tried and why each failed. The library is
/// never unloaded: its progress thread lives until PMIx_Finalize, and the process ends soon after.
/// </summary>
internal sealed unsafe class PmixLibrary
{
    /// <summary>The names tried, in order, unless HPCMSG_PMIX_LIBRARY names one.</summary>
    public static readonly string[] DefaultNames = ["libpmix.so.2", "libpmix.so"];

    private PmixLibrary(string name, nint handle)
    {
        Name = name;
        Init = (delegate* unmanaged<PmixProc*, PmixInfo*, nuint, int>)Bind(handle, name, "PMIx_Init");
        Finalize = (delegate* unmanaged<PmixInfo*, nuint, int>)Bind(handle, name, "PMIx_Finalize");
        Abort = (delegate* unmanaged<int, byte*, PmixProc*, nuint, int>)Bind(handle, name, "PMIx_Abort");
        Put = (delegate* unmanaged<byte, byte*, PmixValue*, int>)Bind(handle, name, "PMIx_Put");
        Commit = (delegate* unmanaged<int>)Bind(handle, name, "PMIx_Commit");
        Fence = (delegate* unmanaged<PmixProc*, nuint, PmixInfo*, nuint, int>)Bind(handle, name, "PMIx_Fence");
        Get = (delegate* unmanaged<PmixProc*, byte*, PmixInfo*, nuint, PmixValue**, int>)Bind(handle, name, "PMIx_Get");
        ValueDestruct = (delegate* unmanaged<PmixValue*, void>)Bind(handle, name, "PMIx_Value_destruct");
        ErrorString = (delegate* unmanaged<int, byte*>)Bind(handle, name, "PMIx_Error_string");
    }

    /// <summary>The name or path that loaded.</summary>
    public string Name { get; }

    // The functions of pmix.h HpcMsg calls (pmix_status_t is int, size_t nuint, pmix_scope_t byte).
    public delegate* unmanaged<PmixProc*, PmixInfo*, nuint, int> Init { get; }
    public delegate* unmanaged<PmixInfo*, nuint, int> Finalize { get; }
    public delegate* unmanaged<int, byte*, PmixProc*, nuint, int> Abort { get; }
    public delegate* unmanaged<byte, byte*, PmixValue*, int> Put { get; }
    public delegate* unmanaged<int> Commit { get; }
    public delegate* unmanaged<PmixProc*, nuint, PmixInfo*, nuint, int> Fence { get; }
    public delegate* unmanaged<PmixProc*, byte*, PmixInfo*, nuint, PmixValue**, int> Get { get; }
    public delegate* unmanaged<PmixValue*, void> ValueDestruct { get; }
    public delegate* unmanaged<int, byte*> ErrorString { get; }

    /// <summary>The names to try: HPCMSG_PMIX_LIBRARY's alone when set, else <see cref="DefaultNames"/>.</summary>
    public static string[] Candidates(Func<string, string?>? environment = null) =>
        Configuration.Parameters.PmixLibrary.Read(environment) is { Length: > 0 } name ? [name] : DefaultNames;

    /// <summary>Loads the first of <see cref="Candidates"/> that loads and has every function.</summary>
    public static PmixLibrary Load() => Load(Candidates());

    public static PmixLibrary Load(IReadOnlyList<string> names)
    {
        var failures = new List<string>();
        foreach (string name in names)
        {
            nint handle;
            try
            {
                handle = NativeLibrary.Load(name);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                failures.Add($"{name}: {LoaderReason(e.Message)}");
                continue;
            }
            try
            {
                return new PmixLibrary(name, handle);
            }
            catch (HpcMsgException e)
            {
                failures.Add(e.Message);
            }
        }
        throw new HpcMsgException(
            $"HpcMsg reaches PMIx through libpmix, loaded at run time, and none loaded (tried {string.Join("; ", failures)}): " +
            $"install it (Debian and Ubuntu: libpmix2; elsewhere the PMIx of your Slurm or Open MPI), or set {Configuration.Parameters.PmixLibrary.Name} to its path");
    }

    /// <summary>PMIx_Error_string's text for <paramref name="status"/>, with the number.</summary>
    public string Describe(int status)
    {
        byte* text = ErrorString(status);
        return text is null ? $"PMIx status {status}" : $"{Marshal.PtrToStringUTF8((nint)text)} ({status})";
    }

    /// <summary>The dynamic loader's own words (dlerror, the last line of .NET's message), which name
    /// the file and why it did not load.</summary>
    private static string LoaderReason(string message) =>
        message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? message;

    private static nint Bind(nint handle, string name, string symbol) =>
        NativeLibrary.TryGetExport(handle, symbol, out nint address)
            ? address
            : throw new HpcMsgException($"{name}: it has no {symbol} (not a PMIx client library of version 3 or later?)");
}
