using System.Runtime.InteropServices;
using HpcMsg.Benchmarks.MpiNet;
using HpcMsg.Benchmarks.Osu.Suite;

// The OSU-style suite on MPI.NET (rules: ../HpcMsg.Benchmarks.Osu/Suite/SuiteSpec.cs), over MPICH:
//   mpiexec.mpich -n 2 -bind-to core dotnet tests/HpcMsg.Benchmarks.MpiNet/bin/Release/net10.0/HpcMsg.Benchmarks.MpiNet.dll latency
//
// MPI.NET 1.4.0 is compiled for Microsoft MPI and imports "msmpi.dll". MS-MPI descends from MPICH
// (same handle constants, same MPI_Status layout), so the imports are sent to MPICH's library.
// HPCMSG_MPINET_LIBRARY overrides the library (a path or a soname).
SuiteOptions? options = SuiteOptions.Parse(args, out string? error);
if (options is null)
{
    Console.Error.WriteLine(error);
    return 2;
}

string library = Environment.GetEnvironmentVariable("HPCMSG_MPINET_LIBRARY") is { Length: > 0 } l ? l : "libmpich.so.12";
NativeLibrary.SetDllImportResolver(typeof(MPI.Communicator).Assembly, (name, _, _) =>
    name == "msmpi.dll" ? NativeLibrary.Load(library) : IntPtr.Zero);

// MPI.NET passes the arguments to MPI_Init; null keeps them away from it (MPICH needs none).
string[]? noArgs = null;
using var mpi = new MPI.Environment(ref noArgs);
string version = typeof(MPI.Communicator).Assembly.GetName().Version?.ToString(3) ?? "?";
var peer = new MpiNetPeer(MPI.Communicator.world, $"MPI.NET {version} on {LibraryVersion()}");
new OsuSuite<MpiNetPeer>(peer, options, Console.Out).Run();
return 0;

// MPI_Get_library_version of the library underneath, first line ("MPICH Version: 4.0.2" -> "MPICH 4.0.2").
string LibraryVersion()
{
    IntPtr handle = NativeLibrary.Load(library);
    var get = Marshal.GetDelegateForFunctionPointer<GetLibraryVersion>(NativeLibrary.GetExport(handle, "MPI_Get_library_version"));
    byte[] text = new byte[8192];
    get(text, out int length);
    string full = System.Text.Encoding.ASCII.GetString(text, 0, Math.Clamp(length, 0, text.Length));
    return string.Join(' ', full.Split('\n', 2)[0].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Where(w => w != "Version:"));
}

[UnmanagedFunctionPointer(CallingConvention.Cdecl)]
internal delegate int GetLibraryVersion(byte[] version, out int length);
