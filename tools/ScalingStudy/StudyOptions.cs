using CommandLine;

namespace HpcMsg.ScalingStudy;

public enum ScalingMode
{
    Strong,
    Weak,
}

public enum OversubscribePolicy
{
    Auto,
    Always,
    Never,
}

/// <summary>The command line (CommandLineParser; option names are kebab-case).</summary>
public sealed class StudyOptions
{
    [Option('e', "example", HelpText = "Example to study: a name under examples/ (Jacobi2D, NBody, MatMul, SampleSort, MonteCarlo), or a path to a project folder, .csproj or built .dll.")]
    public string? Example { get; set; }

    [Option('m', "mode", Default = ScalingMode.Strong, HelpText = "strong: the same total size at every rank count; weak: the size grows with the rank count so that the work per rank stays fixed.")]
    public ScalingMode Mode { get; set; }

    [Option('r', "ranks", Default = "1,2,4,8", HelpText = "Comma-separated rank counts, e.g. 1,2,4,8 (ranges like 1-8 work too).")]
    public string Ranks { get; set; } = "1,2,4,8";

    [Option("reps", Default = 3, HelpText = "Repetitions at each rank count (interleaved: one pass over all rank counts per repetition).")]
    public int Reps { get; set; }

    [Option("warmup", Default = 1, HelpText = "Untimed runs at the first rank count before the study (file cache, CPU frequency).")]
    public int Warmup { get; set; }

    [Option('s', "size", HelpText = "Problem size: the total in strong mode, the size at 1 rank in weak mode. Default: the example's own default.")]
    public double? Size { get; set; }

    [Option("size-option", HelpText = "The example's option that sets the size (default: known for the built-in examples, e.g. --n).")]
    public string? SizeOption { get; set; }

    [Option("weak-exponent", HelpText = "Weak scaling: size(p) = size(1) * p^exponent. Default: known for the built-in examples (1/2 for Jacobi2D and NBody, 1/3 for MatMul, 1 for SampleSort and MonteCarlo).")]
    public double? WeakExponent { get; set; }

    [Option('a', "args", Default = "", HelpText = "More arguments for the example, e.g. \"--iters 200\" (one string).")]
    public string ExampleArgs { get; set; } = "";

    [Option('o', "out", Default = "results", HelpText = "Folder for the CSV files and the plots.")]
    public string Out { get; set; } = "results";

    [Option("hpcrun", HelpText = "The launcher: a path (an HpcRun.dll runs on dotnet), or 'hpcrun' from PATH. Default: ./hpcrun of the checkout this is run in, else hpcrun on PATH.")]
    public string? HpcRun { get; set; }

    [Option("hpcrun-args", Default = "", HelpText = "More hpcrun options, e.g. \"--hostfile hosts\" on a cluster, or \"--bind-to core\" (one string).")]
    public string HpcRunArgs { get; set; } = "";

    [Option("cores", HelpText = "Cores (slots) the job may use without oversubscribing: marked on the plots and used by --oversubscribe auto. Default: this machine's core count; on a cluster give the hostfile's total slots.")]
    public int? Cores { get; set; }

    [Option("oversubscribe", Default = OversubscribePolicy.Auto, HelpText = "Pass hpcrun --oversubscribe: auto (when ranks > cores), always, never.")]
    public OversubscribePolicy Oversubscribe { get; set; }

    [Option("timeout", Default = 600, HelpText = "hpcrun --timeout for each run, in seconds.")]
    public int Timeout { get; set; }

    [Option("no-build", HelpText = "Do not build the example first (it must have been built in Release).")]
    public bool NoBuild { get; set; }

    [Option("from-csv", HelpText = "Run nothing: redraw the plots and the summary from a CSV this tool wrote.")]
    public string? FromCsv { get; set; }

    [Option("name", HelpText = "Base name of the output files (default: <example>-<mode>).")]
    public string? Name { get; set; }
}
