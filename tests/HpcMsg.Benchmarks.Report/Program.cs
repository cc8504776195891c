using System.Globalization;
using System.Runtime.InteropServices;
using CommandLine;
using HpcMsg.Benchmarks.Osu.Suite;
using HpcMsg.Benchmarks.Report;

// Runs the OSU-style suite on HpcMsg, MPICH, Open MPI and MPI.NET, interleaved, and writes the
// report. ./benchmarks.sh builds everything and starts this; alone:
//   dotnet tests/HpcMsg.Benchmarks.Report/bin/Release/net10.0/HpcMsg.Benchmarks.Report.dll [--quick] [--reps 5]
//   ... --from-csv docs/benchmarks/samples.csv        (the report again, from the data of a run)
var parser = new Parser(s =>
{
    s.HelpWriter = Console.Error;
    s.CaseInsensitiveEnumValues = true;
});
return parser.ParseArguments<ReportOptions>(args).MapResult(Run, _ => 2);

static int Run(ReportOptions o)
{
    try
    {
        string root = o.Root ?? FindCheckout() ?? throw new ReportException("run this from the checkout (the folder with HpcMsg.sln), or give --root");
        string outDir = Path.GetFullPath(o.Out ?? Path.Combine(root, "docs", "benchmarks", o.Quick ? "quick" : ""));
        string implList = o.Implementations ?? (o.Quick ? "hpcmsg,mpich,openmpi,mpinet" : "hpcmsg,mpich,openmpi,mpinet,hpcmsg-single");
        Implementation[] impls = [.. implList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Implementation.Find)];
        Dataset data;
        if (o.FromCsv is not null)
        {
            data = Dataset.Load(o.FromCsv);
            impls = [.. Implementation.All.Where(i => data.Samples.Any(s => s.Impl == i.Key))];
        }
        else
        {
            data = Measure(o, root, impls);
            data.Save(outDir);
        }
        bool quick = data.Meta.TryGetValue("quick", out string? q) && q == "true";
        List<Row> rows = Summary.Build(data, quick);
        Directory.CreateDirectory(outDir);
        string subtitle = $"{(quick ? "quick, " : "")}median of {data.Samples.Select(s => s.Rep).Distinct().Count()} runs";
        List<string> plots = Plots.DrawAll(outDir, rows, data, impls, subtitle);
        string report = MarkdownReport.Write(outDir, rows, data, impls, plots);
        Console.WriteLine($"report: {report}");
        foreach (string p in plots) Console.WriteLine($"plot:   {p}");
        return 0;
    }
    catch (ReportException e)
    {
        Console.Error.WriteLine($"benchmarks: {e.Message}");
        return 1;
    }
}

static Dataset Measure(ReportOptions o, string root, Implementation[] impls)
{
    int cores = Environment.ProcessorCount;
    var launchers = new Launchers(root, cores);
    string[] missing = [.. launchers.Prerequisites(impls).Where(p => !File.Exists(p))];
    if (missing.Length > 0)
        throw new ReportException($"not built: {string.Join(", ", missing)} (./benchmarks.sh builds them)");
    int reps = o.Reps ?? (o.Quick ? 2 : 5);
    int[] nps = [.. o.Np.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];

    // Blocks: point-to-point at np = 2, collectives at every np. Time caps per size: generous with a
    // core per rank (only a pathological run reaches them), short when oversubscribed, where MPICH
    // spends ~16 ms on every call plus its barrier.
    // The host moves the two vCPUs between placements within a minute or so; a block of one benchmark
    // (~1 s) lets every implementation draw the placement the others drew far more often than a block
    // of all collectives (~5 s, 20-30 s for MPICH oversubscribed).
    string interleave = o.Interleave ?? (o.Quick ? "block" : "bench");
    if (interleave is not ("bench" or "block"))
        throw new ReportException($"--interleave '{interleave}' is not known: expected bench or block");
    var blocks = new List<(int Np, string Group)>();
    void AddBlock(int np, bool pointToPoint)
    {
        if (interleave == "block")
        {
            blocks.Add((np, pointToPoint ? "p2p" : "coll"));
            return;
        }
        foreach (Bench b in Enum.GetValues<Bench>())
            if (SuiteSpec.IsPointToPoint(b) == pointToPoint) blocks.Add((np, SuiteSpec.Name(b)));
    }
    if (nps.Contains(2)) AddBlock(2, pointToPoint: true);
    foreach (int np in nps) AddBlock(np, pointToPoint: false);
    string Budget(int np) => np <= cores ? (o.Quick ? "0.2" : "2.0") : (o.Quick ? "0.05" : "0.12");

    var data = new Dataset();
    data.Meta["command"] = o.Command + (o.Quick ? " --quick" : "");
    data.Meta["quick"] = o.Quick ? "true" : "false";
    data.Meta["interleave"] = interleave;
    data.Meta["cores"] = cores.ToString(CultureInfo.InvariantCulture);
    data.Meta["cpu"] = CpuModel();
    data.Meta["memory_gb"] = MemoryGb();
    data.Meta["kernel"] = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription;
    data.Meta["dotnet"] = RuntimeInformation.FrameworkDescription.Replace(".NET ", "", StringComparison.Ordinal);
    foreach (int np in nps) data.Meta[$"budget.np{np}"] = Budget(np);

    DateTime begin = DateTime.UtcNow;
    // Quick mode leaves MPI.NET out oversubscribed: on MPICH it collapses as MPICH does, at twice the
    // run time. The CMA-on variant is a diagnostic of large messages with a core per rank.
    string? Skipped(Implementation impl, int np) =>
        np <= cores ? null
        : impl.IsVariant ? "a diagnostic variant, run with a core per rank only"
        : o.Quick && impl == Implementation.MpiNet ? "quick mode" : null;
    int total = reps * blocks.Sum(b => impls.Count(i => Skipped(i, b.Np) is null)), done = 0;
    int attempts = o.MatchPlacement ?? (o.Quick ? 1 : 4);
    if (attempts < 1) throw new ReportException($"--match-placement {attempts}: expected 1 or more");
    data.Meta["match_placement"] = attempts.ToString(CultureInfo.InvariantCulture);

    (RunRecord Run, List<OsuPoint> Points) RunOne(int rep, int np, string group, Implementation impl)
    {
        List<string> suiteArgs = [group, "--budget", Budget(np)];
        if (o.Quick) suiteArgs.Add("--quick");
        (string program, List<string> args) = launchers.Command(impl, np, suiteArgs, o.TimeoutSeconds);
        data.Meta[$"launch.{impl.Key}.np{np}"] = ProcessRunner.Describe(program, args).Replace(root + "/", "", StringComparison.Ordinal);

        double load = OtherWork(cores);
        double c2c = PlacementProbe.Measure(launchers.ProbeExe);
        DateTime started = DateTime.UtcNow;
        ProcessRunner.Result r = ProcessRunner.Run(program, args, TimeSpan.FromSeconds(o.TimeoutSeconds + 30));
        double c2cAfter = PlacementProbe.Measure(launchers.ProbeExe);
        List<OsuPoint> points = OsuOutput.Parse(r.Stdout);
        (string expected, int expectedCount) = group switch { "p2p" => ("latency,bw,bibw", 3), "coll" => ("barrier..alltoall", 8), _ => (group, 1) };
        int benches = points.Select(p => p.Bench).Distinct().Count();
        bool ok = r.ExitCode == 0 && benches == expectedCount;
        string note = ok ? "" : r.TimedOut ? $"timed out after {o.TimeoutSeconds} s" : $"exit {r.ExitCode}, {benches} of the benchmarks ({expected}) complete: {LastLine(r.Stderr + r.Stdout)}";
        string implText = points.FirstOrDefault()?.ImplementationText ?? "";
        if (implText.Length > 0) data.Meta["version." + impl.Key] = implText;
        if (o.Logs is not null)
        {
            Directory.CreateDirectory(o.Logs);
            File.WriteAllText(Path.Combine(o.Logs, $"rep{rep}-np{np}-{group}-{impl.Key}-{started:HHmmss}.log"),
                $"$ {ProcessRunner.Describe(program, args)}\n{r.Stdout}\n--- stderr ---\n{r.Stderr}");
        }
        done++;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{done,3}/{total}] rep {rep} np {np} {group,-9} {impl.Label,-16} probe {c2c,4:0}/{c2cAfter,4:0} ns ({PlacementProbe.Classify(c2c, c2cAfter),-5})  other work {load,4:0.0} cores  {r.Seconds,6:0.0} s  {(ok ? "ok" : "FAILED: " + note)}"));
        return (new RunRecord(rep, np, group, impl.Key, started, c2c, r.Seconds, ok, implText, note) { Load = load, C2cAfterNs = c2cAfter }, points);
    }

    for (int rep = 1; rep <= reps; rep++)
    {
        foreach ((int np, string group) in blocks)
        {
            Implementation[] round = [.. impls.Where(i => Skipped(i, np) is null)];
            foreach (Implementation impl in impls)
                if (Skipped(impl, np) is { } why) data.Meta[$"skipped.{impl.Key}.np{np}"] = why;
            // A round counts only when every implementation ran wholly in the same placement (the
            // probe before and after each run agreeing): the placements differ 2-4x in small-message
            // latency, and a round split between them compares the placements, not the libraries.
            // Such a round is run again, up to `attempts` times, whatever the numbers it gave.
            for (int attempt = 1; ; attempt++)
            {
                var results = new List<(RunRecord Run, List<OsuPoint> Points)>();
                foreach (Implementation impl in round) results.Add(RunOne(rep, np, group, impl));
                string[] placements = [.. results.Select(x => x.Run.Placement).Distinct()];
                bool matched = placements.Length == 1 && placements[0] is "near" or "far";
                if (!matched && attempt < attempts)
                {
                    string why = $"not used: the round's placements differed ({string.Join(", ", results.Select(x => x.Run.Placement))}), run again";
                    foreach (var x in results) data.Runs.Add(WithNote(x.Run, why));
                    total += round.Length;
                    continue;
                }
                string kept = matched || attempts == 1 ? "" : $"the round's placements still differed after {attempts} attempts; kept";
                foreach (var x in results)
                {
                    data.Runs.Add(WithNote(x.Run, kept));
                    foreach (OsuPoint p in x.Points)
                        data.Samples.Add(new Sample(rep, np, x.Run.Impl, p.Bench, p.Size, p.Value, p.Iterations, x.Run.C2cNs) { C2cAfterNs = x.Run.C2cAfterNs });
                }
                break;
            }
        }
    }
    data.Meta["finished_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
    data.Meta["minutes"] = (DateTime.UtcNow - begin).TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture);
    return data;
}

static RunRecord WithNote(RunRecord run, string more) =>
    more.Length == 0 ? run : run with { Note = run.Note.Length == 0 ? more : run.Note + "; " + more };

// Cores kept busy by other work: /proc/stat sampled over 0.3 s while nothing of ours runs.
static double OtherWork(int cores)
{
    static (long Busy, long Total) Sample()
    {
        if (!File.Exists("/proc/stat")) return (0, 0);
        string[] f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long[] v = [.. f.Skip(1).Take(8).Select(x => long.Parse(x, CultureInfo.InvariantCulture))];
        long idle = v[3] + v[4]; // idle + iowait
        return (v.Sum() - idle, v.Sum());
    }
    (long b0, long t0) = Sample();
    Thread.Sleep(300);
    (long b1, long t1) = Sample();
    return t1 > t0 ? (double)(b1 - b0) / (t1 - t0) * cores : double.NaN;
}

static string LastLine(string text) =>
    text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";

static string? FindCheckout()
{
    foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
    {
        for (DirectoryInfo? d = new(start); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "HpcMsg.sln")) && File.Exists(Path.Combine(d.FullName, "hpcrun")))
                return d.FullName;
    }
    return null;
}

static string CpuModel()
{
    if (!File.Exists("/proc/cpuinfo")) return RuntimeInformation.ProcessArchitecture.ToString();
    string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
    return line is null ? "?" : string.Join(' ', line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
}

static string MemoryGb()
{
    if (!File.Exists("/proc/meminfo")) return "?";
    string? line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
    if (line is null) return "?";
    long kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    return (kb / 1024.0 / 1024.0).ToString("0", CultureInfo.InvariantCulture);
}
