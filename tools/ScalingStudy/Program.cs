// ScalingStudy: runs an example under hpcrun over a sweep of rank counts, several times each, and
// writes the times (CSV), a summary with speedup and efficiency (CSV) and plots of all three (PNG).
//
//   dotnet run --project tools/ScalingStudy -c Release -- --example Jacobi2D --mode strong --ranks 1,2,4,8 --reps 3 --out results/
using System.Globalization;
using CommandLine;
using HpcMsg.ScalingStudy;

var parser = new Parser(s =>
{
    s.CaseInsensitiveEnumValues = true;
    s.HelpWriter = Console.Error;
});
return parser.ParseArguments<StudyOptions>(JoinDashedValues(args)).MapResult(Study, _ => 2);

// --args and --hpcrun-args carry other programs' options ("--iters 200", "--hostfile hosts"), which
// CommandLineParser would take for options of its own; joined as --args=VALUE they stay values.
static string[] JoinDashedValues(string[] args)
{
    string[] carriers = ["--args", "-a", "--hpcrun-args"];
    var joined = new List<string>();
    for (int i = 0; i < args.Length; i++)
    {
        if (carriers.Contains(args[i]) && i + 1 < args.Length)
        {
            joined.Add($"{(args[i] == "-a" ? "--args" : args[i])}={args[i + 1]}");
            i++;
        }
        else
        {
            joined.Add(args[i]);
        }
    }
    return [.. joined];
}

static int Study(StudyOptions o)
{
    try
    {
        return o.FromCsv != null ? Replot(o) : Measure(o);
    }
    catch (StudyException e)
    {
        Console.Error.WriteLine($"scaling study: {e.Message}");
        return 1;
    }
}

static int Measure(StudyOptions o)
{
    if (string.IsNullOrWhiteSpace(o.Example)) throw new StudyException("--example is required (or --from-csv to redraw plots)");
    if (o.Reps < 1) throw new StudyException("--reps must be at least 1");
    List<int> ranks = ParseRanks(o.Ranks);
    int cores = o.Cores ?? Environment.ProcessorCount;
    if (cores < 1) throw new StudyException("--cores must be at least 1");

    string? checkout = Runner.FindCheckout();
    (string name, string? project, string? dll) = Runner.ResolveExample(o.Example, checkout);
    ExampleProfile? profile = ExampleProfile.Find(name);
    string? sizeOption = o.SizeOption ?? profile?.SizeOption;
    double? baseSize = o.Size ?? profile?.DefaultSize;
    double weakExponent = o.WeakExponent ?? profile?.WeakExponent ?? 1;
    if (sizeOption == null || baseSize == null)
        throw new StudyException($"'{name}' is not a built-in example: give --size-option and --size (and --weak-exponent for weak scaling)");
    string hpcRun = o.HpcRun ?? (checkout != null ? Path.Combine(checkout, "hpcrun") : "hpcrun");

    dll ??= o.NoBuild ? throw new StudyException("--no-build needs the example as a .dll") : Runner.Build(project!);
    var runner = new Runner(hpcRun, Runner.SplitArgs(o.HpcRunArgs), o.Timeout);
    List<string> extra = Runner.SplitArgs(o.ExampleArgs);
    string[] fixedArgs = profile?.FixedArgs ?? [];

    Directory.CreateDirectory(o.Out);
    string baseName = o.Name ?? $"{name}-{o.Mode.ToString().ToLowerInvariant()}";
    string csv = Path.Combine(o.Out, $"{baseName}.csv");
    Results.WriteHeader(csv);

    List<string> ArgsFor(int p)
    {
        long size = ExampleProfile.SizeAt(o.Mode, baseSize.Value, weakExponent, p);
        return [.. fixedArgs, sizeOption, size.ToString(CultureInfo.InvariantCulture), .. extra];
    }
    bool Oversubscribe(int p) => o.Oversubscribe == OversubscribePolicy.Always || o.Oversubscribe == OversubscribePolicy.Auto && p > cores;

    Console.WriteLine($"{name}: {o.Mode.ToString().ToLowerInvariant()} scaling over ranks {string.Join(',', ranks)}, {o.Reps} repetition(s), {cores} cores; launcher {hpcRun} {o.HpcRunArgs}".TrimEnd());
    for (int w = 0; w < o.Warmup; w++)
    {
        double t = runner.Run(dll, ranks[0], Oversubscribe(ranks[0]), ArgsFor(ranks[0]));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  warm-up   np={ranks[0],-3} {t,9:F4} s (discarded)"));
    }
    var runs = new List<Measurement>();
    for (int rep = 1; rep <= o.Reps; rep++)
    {
        foreach (int p in ranks)
        {
            long size = ExampleProfile.SizeAt(o.Mode, baseSize.Value, weakExponent, p);
            double load = LoadAverage.Now();
            double t = runner.Run(dll, p, Oversubscribe(p), ArgsFor(p));
            var m = new Measurement(name, o.Mode, p, rep, size, t, cores, load);
            runs.Add(m);
            Results.Append(csv, m);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  rep {rep}/{o.Reps} np={p,-3} {sizeOption} {size,-10} {t,9:F4} s  load {load:F2}{(m.Oversubscribed ? "  (oversubscribed)" : "")}"));
        }
    }
    Report(o.Out, baseName, runs, csv);
    return 0;
}

static int Replot(StudyOptions o)
{
    string csv = o.FromCsv!;
    if (!File.Exists(csv)) throw new StudyException($"{csv}: no such file");
    List<Measurement> runs;
    try
    {
        runs = Results.Read(csv);
    }
    catch (FormatException e)
    {
        throw new StudyException(e.Message);
    }
    if (runs.Count == 0) throw new StudyException($"{csv} holds no runs");
    string folder = o.Out;
    Directory.CreateDirectory(folder);
    Report(folder, o.Name ?? Path.GetFileNameWithoutExtension(csv), runs, csv);
    return 0;
}

static void Report(string folder, string baseName, List<Measurement> runs, string csv)
{
    List<RankSummary> summary = Results.Summarize(runs);
    string summaryCsv = Path.Combine(folder, $"{baseName}-summary.csv");
    Results.WriteSummary(summaryCsv, summary);
    IReadOnlyList<string> pngs = Plots.DrawAll(folder, baseName, runs, summary);
    Console.WriteLine();
    Console.Write(Results.Table(summary));
    Console.WriteLine($"runs: {csv}");
    Console.WriteLine($"summary: {summaryCsv}");
    foreach (string png in pngs) Console.WriteLine($"plot: {png}");
}

static List<int> ParseRanks(string text)
{
    var ranks = new List<int>();
    foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        string[] range = part.Split('-');
        if (range.Length == 1 && int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p >= 1)
            ranks.Add(p);
        else if (range.Length == 2 && int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out int a)
                 && int.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out int b) && a >= 1 && b >= a)
            ranks.AddRange(Enumerable.Range(a, b - a + 1));
        else
            throw new StudyException($"--ranks: '{part}' is not a rank count or a range like 1-8");
    }
    if (ranks.Count == 0) throw new StudyException("--ranks is empty");
    return [.. ranks.Distinct().Order()];
}
