using CommandLine;

namespace HpcMsg.Benchmarks.Report;

/// <summary>The command line (CommandLineParser; ./benchmarks.sh passes its arguments through).</summary>
public sealed class ReportOptions
{
    [Option("quick", HelpText = "About 2 minutes: iteration counts / 10, shorter warm-up and time caps, 2 repetitions; the report goes to docs/benchmarks/quick/.")]
    public bool Quick { get; set; }

    [Option("reps", HelpText = "Repetitions of every block (default 5; 2 with --quick). The table shows the median over them.")]
    public int? Reps { get; set; }

    [Option("np", Default = "2,4", HelpText = "Rank counts, comma-separated. Point-to-point runs at np = 2 only; collectives at each.")]
    public string Np { get; set; } = "2,4";

    [Option("impls", HelpText = "Implementations, in the order each block runs them: hpcmsg, mpich, openmpi, mpinet, hpcmsg-single " +
        "(HpcMsg with HPCMSG_SHM_LARGE_PATH=single_copy, np = 2 only) and hpcmsg-ring (HPCMSG_SHM_CMA=0, np = 2 only). " +
        "Default: the first five (the first four with --quick).")]
    public string? Implementations { get; set; }

    [Option("interleave", HelpText = "What each run measures before the next implementation takes its turn: 'bench' (one benchmark; " +
        "the implementations meet the same placement far more often, at ~1 s of start-up per run) or 'block' (all point-to-point, or all " +
        "collectives). Default: bench; block with --quick.")]
    public string? Interleave { get; set; }

    [Option("match-placement", HelpText = "Attempts per round (every implementation once on one benchmark or block): a round whose runs " +
        "did not all stay in one placement (the probe before and after each run) is run again, up to this many times, and then kept. " +
        "Default 4; 1 (keep every round) with --quick.")]
    public int? MatchPlacement { get; set; }

    [Option("out", HelpText = "Folder for report.md, the PNG plots and the CSV files (default docs/benchmarks, docs/benchmarks/quick with --quick).")]
    public string? Out { get; set; }

    [Option("root", HelpText = "The checkout (default: found upwards from the current folder).")]
    public string? Root { get; set; }

    [Option("from-csv", HelpText = "Write the report again from a samples.csv of an earlier run, without measuring.")]
    public string? FromCsv { get; set; }

    [Option("timeout", Default = 600, HelpText = "Seconds one run may take before it is killed (and recorded as failed).")]
    public int TimeoutSeconds { get; set; }

    [Option("logs", HelpText = "Folder for every run's full output (default: none kept).")]
    public string? Logs { get; set; }

    [Option("command", Default = "./benchmarks.sh", HelpText = "How the report names the command that produced it.")]
    public string Command { get; set; } = "./benchmarks.sh";
}
