using System.Globalization;
using ScottPlot;

namespace HpcMsg.Benchmarks.Report;

/// <summary>One implementation under test and how a run of the suite is started on it.</summary>
public sealed record Implementation(string Key, string Label, bool IsNative, Color Color, MarkerShape Marker)
{
    /// <summary>Environment for the ranks (hpcrun -x), for a variant of HpcMsg.</summary>
    public string? Environment { get; init; }

    /// <summary>A name short enough for a bar's axis label.</summary>
    public string ShortLabel => Key switch { "mpinet" => "MPI.NET", "hpcmsg-ring" => "ring", "hpcmsg-single" => "single copy", "hpcmsg-cma" => "CMA on", _ => Label };

    /// <summary>A diagnostic variant: run only with a core per rank, and never in the ratio.</summary>
    public bool IsVariant => Environment is not null;

    public static readonly Implementation HpcMsg = new("hpcmsg", "HpcMsg", false, Color.FromHex("#d62728"), MarkerShape.FilledCircle);
    public static readonly Implementation Mpich = new("mpich", "MPICH", true, Color.FromHex("#1f77b4"), MarkerShape.FilledSquare);
    public static readonly Implementation OpenMpi = new("openmpi", "Open MPI", true, Color.FromHex("#2ca02c"), MarkerShape.FilledTriangleUp);
    public static readonly Implementation MpiNet = new("mpinet", "MPI.NET (MPICH)", false, Color.FromHex("#9467bd"), MarkerShape.OpenDiamond);

    /// <summary>HpcMsg with every large message on the node pipelined through the ring (the default
    /// chooses, per message, between that and one process_vm_readv).</summary>
    public static readonly Implementation HpcMsgRing = new("hpcmsg-ring", "HpcMsg, ring", false, Color.FromHex("#ff7f0e"), MarkerShape.OpenCircle)
    {
        Environment = "HPCMSG_SHM_CMA=0",
    };

    /// <summary>HpcMsg with every large message on the node from 32 KiB copied once with process_vm_readv
    /// (the default before the receiver chose between it and the ring): shows what the choice gains or costs.</summary>
    public static readonly Implementation HpcMsgSingleCopy = new("hpcmsg-single", "HpcMsg, single copy", false, Color.FromHex("#ff7f0e"), MarkerShape.OpenCircle)
    {
        Environment = "HPCMSG_SHM_LARGE_PATH=single_copy",
    };

    /// <summary>The variant of the runs before 2026-12-07, when the ring was the default: kept so that
    /// --from-csv still reads their samples.</summary>
    public static readonly Implementation HpcMsgCma = new("hpcmsg-cma", "HpcMsg, CMA on", false, Color.FromHex("#ff7f0e"), MarkerShape.OpenCircle)
    {
        Environment = "HPCMSG_SHM_CMA=1",
    };

    public static IReadOnlyList<Implementation> All { get; } = [HpcMsg, Mpich, OpenMpi, MpiNet, HpcMsgRing, HpcMsgSingleCopy, HpcMsgCma];

    public static Implementation Find(string key) =>
        All.FirstOrDefault(i => i.Key == key) ?? throw new ReportException($"unknown implementation '{key}' (known: {string.Join(", ", All.Select(i => i.Key))})");
}

/// <summary>
/// The command lines. With a core per rank every implementation pins rank i to core i (the pair the
/// placement probe measures); oversubscribed, none is pinned, Open MPI is told it may oversubscribe
/// (it then yields when idle), hpcrun too (it then yields at once when idle), MPICH has no such mode.
/// </summary>
public sealed class Launchers(string root, int cores)
{
    public string NativeBin => Path.Combine(root, "tests", "HpcMsg.Benchmarks.Native", "bin");
    public string OsuDll => Path.Combine(root, "tests", "HpcMsg.Benchmarks.Osu", "bin", "Release", "net10.0", "HpcMsg.Benchmarks.Osu.dll");
    public string MpiNetDll => Path.Combine(root, "tests", "HpcMsg.Benchmarks.MpiNet", "bin", "Release", "net10.0", "HpcMsg.Benchmarks.MpiNet.dll");
    public string ProbeExe => Path.Combine(NativeBin, "c2c");

    /// <summary>What must exist before anything runs (./benchmarks.sh builds it).</summary>
    public IEnumerable<string> Prerequisites(IEnumerable<Implementation> impls)
    {
        yield return ProbeExe;
        foreach (Implementation i in impls)
        {
            if (i == Implementation.HpcMsg || i.IsVariant) yield return OsuDll;
            else if (i == Implementation.Mpich) yield return Path.Combine(NativeBin, "osu_like.mpich");
            else if (i == Implementation.OpenMpi) yield return Path.Combine(NativeBin, "osu_like.openmpi");
            else if (i == Implementation.MpiNet) yield return MpiNetDll;
        }
    }

    public (string Program, List<string> Args) Command(Implementation impl, int np, IReadOnlyList<string> suiteArgs, int timeoutSeconds)
    {
        bool bind = np <= cores;
        string n = np.ToString(CultureInfo.InvariantCulture);
        var args = new List<string>();
        string program;
        if (impl == Implementation.HpcMsg || impl.IsVariant)
        {
            program = Path.Combine(root, "hpcrun");
            args.AddRange(["-n", n, "--timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture)]);
            if (impl.Environment is not null) args.AddRange(["-x", impl.Environment]);
            args.AddRange(bind ? ["--bind-to", "core"] : ["--oversubscribe"]);
            args.Add(OsuDll);
        }
        else if (impl == Implementation.Mpich || impl == Implementation.MpiNet)
        {
            program = "mpiexec.mpich";
            args.AddRange(["-n", n, "-bind-to", bind ? "core" : "none"]);
            if (impl == Implementation.Mpich) args.Add(Path.Combine(NativeBin, "osu_like.mpich"));
            else args.AddRange([DotnetHost, MpiNetDll]);
        }
        else
        {
            program = "mpirun.openmpi";
            if (Environment.UserName == "root") args.Add("--allow-run-as-root");
            args.AddRange(["-n", n]);
            args.AddRange(bind ? ["--bind-to", "core"] : ["--oversubscribe", "--bind-to", "none"]);
            // ob1 + vader (shared memory, CMA single copy): Debian's build would otherwise look at UCX first.
            args.AddRange(["--mca", "pml", "ob1", "--mca", "btl", "self,vader", Path.Combine(NativeBin, "osu_like.openmpi")]);
        }
        args.AddRange(suiteArgs);
        return (program, args);
    }

    /// <summary>The dotnet host running this tool, else "dotnet" from PATH.</summary>
    public static string DotnetHost
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
            string? self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }
}

public sealed class ReportException(string message) : Exception(message);
