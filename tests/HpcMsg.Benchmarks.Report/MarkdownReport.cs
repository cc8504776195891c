using System.Globalization;
using System.Text;
using HpcMsg.Benchmarks.Osu.Suite;

namespace HpcMsg.Benchmarks.Report;

/// <summary>report.md: how it was measured, the targets, the plots, every row's medians and ratio, the runs.</summary>
public static class MarkdownReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Write(string folder, List<Row> rows, Dataset data, IReadOnlyList<Implementation> impls, IReadOnlyList<string> plots)
    {
        var md = new StringBuilder();
        string Meta(string key, string fallback = "?") => data.Meta.TryGetValue(key, out string? v) ? v : fallback;
        int reps = data.Samples.Count == 0 ? 0 : data.Samples.Select(s => s.Rep).Distinct().Count();
        bool quick = Meta("quick", "false") == "true";

        md.AppendLine("# HpcMsg beside MPICH and Open MPI: OSU-style benchmarks");
        md.AppendLine();
        md.AppendLine($"Written by `{Meta("command")}` on {Meta("finished_utc")} ({(quick ? "**quick mode: counts / 10, not for quoting**" : "full mode")}, " +
                      $"{reps} repetitions, {Meta("minutes")} minutes of measuring). The analysis of these numbers is in [README.md](README.md).");
        md.AppendLine();
        md.AppendLine($"- Machine: {Meta("cpu")}, {Meta("cores")} vCPUs, {Meta("memory_gb")} GB, Linux {Meta("kernel")}; shared with other work, hence the interleaving.");
        md.AppendLine($"- Implementations: {string.Join("; ", impls.Select(i => $"**{i.Label}**: {Meta("version." + i.Key, "–")}"))}; .NET {Meta("dotnet")}.");
        string blockText = Meta("interleave", "block") == "bench"
            ? "every benchmark (latency, bw, bibw at np = 2; each collective at np = 2, then at np = 4), one run each,"
            : "every block (np = 2 point-to-point, np = 2 collectives, np = 4 collectives)";
        md.AppendLine($"- Each repetition runs {blockText} on every implementation in turn " +
                      $"({string.Join("; ", impls.Select(i => i.Label))}; then the next), with the placement probe just before and just after each run; every cell below is the median over the repetitions." +
                      (int.TryParse(Meta("match_placement", "1"), out int attempts) && attempts > 1
                          ? $" A round (every implementation once on the same benchmark) counts only when all its runs stayed in one placement: otherwise it is run again, up to {attempts} attempts, and the runs it replaces are listed at the end but used nowhere."
                          : ""));
        md.AppendLine("- Rules (the same for every implementation: sizes, window of 64, iteration counts, warm-up; see `tests/HpcMsg.Benchmarks.Osu/Suite/SuiteSpec.cs`): " +
                      "ping-pong one-way latency, 10,000 iterations up to 8 KiB and 1,000 above; bandwidth = 64 non-blocking sends then a 4-byte ack, 100 windows (20 above 8 KiB); " +
                      "collectives timed call by call with a barrier between calls, 1,000 calls (100 above 8 KiB), the average over ranks. " +
                      "Latency in µs, bandwidth in MB/s (10⁶ bytes a second). np = 4 runs on the 2 vCPUs, oversubscribed. " +
                      "The variants \"HpcMsg, single copy\" (`HPCMSG_SHM_LARGE_PATH=single_copy`: every message from 32 KiB copied once with process_vm_readv, the default until 2026-12-07) and \"HpcMsg, ring\" (`HPCMSG_SHM_CMA=0`: every message above the eager limit pipelined through the ring) are HpcMsg again beside its default (the receiver chooses between the two per message: the ring when neither rank has other large traffic on the node in flight), " +
                      "diagnostics at np = 2; they are in no ratio.");
        foreach (var kv in data.Meta.Where(kv => kv.Key.StartsWith("skipped.", StringComparison.Ordinal)))
        {
            string[] parts = kv.Key.Split('.');
            string label = Implementation.All.FirstOrDefault(i => i.Key == parts[1])?.Label ?? parts[1];
            md.AppendLine($"- {label} was not run at {parts[2].Replace("np", "np = ", StringComparison.Ordinal)} ({kv.Value}).");
        }
        md.AppendLine("- † marks a cell where the per-size time cap stopped at least one run early " +
                      $"(np = 2: {Meta("budget.np2")} s, np = 4: {Meta("budget.np4")} s a size, never below 5 iterations): MPICH's collapsed runs at np = 4, and there the largest sizes of the others.");
        md.AppendLine();

        WriteTargets(md, rows);
        md.AppendLine("## Plots");
        md.AppendLine();
        foreach (string p in plots) md.AppendLine($"![{Path.GetFileNameWithoutExtension(p)}]({Path.GetFileName(p)})").AppendLine();
        WritePlacement(md, data);
        WriteTables(md, rows, impls);
        WriteRuns(md, data, impls);

        string path = Path.Combine(folder, "report.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }

    private static void WriteTargets(StringBuilder md, List<Row> rows)
    {
        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("Ratio (HpcMsg / best) = the median over the rounds of HpcMsg's value / the best native value of the same round (MPICH or Open MPI, " +
                      "whichever is better in that round): a round runs every implementation in turn on one benchmark, so its runs share the placement. " +
                      "The ratio of the medians (HpcMsg's median / the best native median, the columns beside) is shown too; it can set a far run of one " +
                      "implementation against a near run of another when a round had to be kept with its placements mixed. " +
                      "For bandwidth a ratio above 1 is better, for times below 1. The placement columns take the rounds whose HpcMsg run was " +
                      $"made wholly in the near (probe ≤ {PlacementProbe.FarThresholdNs:0} ns before and after the run) or wholly in the far placement.");
        md.AppendLine();
        md.AppendLine("| row | HpcMsg | best native | HpcMsg / best | ratio of medians | target | verdict | ratio, near | ratio, far |");
        md.AppendLine("| --- | ---: | --- | ---: | ---: | --- | --- | ---: | ---: |");
        foreach (Row r in rows.Where(r => r.Target is not null && SuiteSpec.IsPointToPoint(r.Bench)))
            TargetLine(md, r, $"np {r.Np} {SuiteSpec.Name(r.Bench)} {Format.Bytes(r.Size)}");
        md.AppendLine();

        md.AppendLine("Collectives, target ≤ 1.20 at every size: the worst size of each.");
        md.AppendLine();
        md.AppendLine("| collective | np | worst size | HpcMsg | best native | HpcMsg / best | ratio of medians | sizes within 1.2x | verdict |");
        md.AppendLine("| --- | ---: | --- | ---: | --- | ---: | ---: | ---: | --- |");
        foreach (var g in rows.Where(r => r.Target is not null && !SuiteSpec.IsPointToPoint(r.Bench) && !double.IsNaN(r.Ratio)).GroupBy(r => (r.Np, r.Bench)))
        {
            Row worst = g.MaxBy(r => r.Ratio)!;
            int ok = g.Count(r => r.Target!.IsMet(r.Ratio));
            Implementation best = worst.BestNative!;
            md.AppendLine(Inv, $"| {SuiteSpec.Name(g.Key.Bench)} | {g.Key.Np} | {(worst.Bench == Bench.Barrier ? "–" : Format.Bytes(worst.Size))} | {Value(worst, Implementation.HpcMsg)} µs | " +
                               $"{Value(worst, best)} µs ({best.Label}) | {Format.Ratio(worst.Ratio)} | {Format.Ratio(worst.RatioOfMedians)} | {ok} of {g.Count()} | {worst.Target!.Verdict(worst.Ratio)} |");
        }
        md.AppendLine();

        Row[] missed = [.. rows.Where(r => r.Target is not null && !double.IsNaN(r.Ratio) && !r.Target.IsMet(r.Ratio))];
        md.AppendLine("### Rows that miss their target");
        md.AppendLine();
        if (missed.Length == 0) md.AppendLine("None.");
        foreach (Row r in missed)
        {
            Implementation best = r.BestNative!;
            string unit = r.HigherIsBetter ? "MB/s" : "µs";
            md.AppendLine(Inv, $"- np {r.Np} {SuiteSpec.Name(r.Bench)} {(r.Bench == Bench.Barrier ? "" : Format.Bytes(r.Size) + " ")}: HpcMsg {Value(r, Implementation.HpcMsg)} {unit}, " +
                               $"{best.Label} {Value(r, best)} {unit}, ratio {Format.Ratio(r.Ratio)} (of medians {Format.Ratio(r.RatioOfMedians)}) against {r.Target!.Text}: {r.Target.Verdict(r.Ratio)}" +
                               $" (near {Format.Ratio(r.RatioIn("near"))}, far {Format.Ratio(r.RatioIn("far"))})");
        }
        md.AppendLine();
    }

    private static void TargetLine(StringBuilder md, Row r, string name)
    {
        Implementation? best = r.BestNative;
        string unit = r.HigherIsBetter ? "MB/s" : "µs";
        md.AppendLine(Inv, $"| {name} | {Value(r, Implementation.HpcMsg)} {unit} | {(best is null ? "–" : $"{Value(r, best)} {unit} ({best.Label})")} | " +
                           $"{Format.Ratio(r.Ratio)} | {Format.Ratio(r.RatioOfMedians)} | {r.Target!.Text} | {r.Target.Verdict(r.Ratio)} | {Format.Ratio(r.RatioIn("near"))} | {Format.Ratio(r.RatioIn("far"))} |");
    }

    private static string Value(Row r, Implementation impl)
    {
        if (!r.Cells.TryGetValue(impl.Key, out Cell? c)) return "–";
        return (r.HigherIsBetter ? Format.MBps(c.Median) : Format.Micros(c.Median)) + (c.Capped ? " †" : "");
    }

    private static void WritePlacement(StringBuilder md, Dataset data)
    {
        RunRecord[] runs = [.. data.Runs.Where(r => !double.IsNaN(r.C2cNs))];
        if (runs.Length == 0) return;
        md.AppendLine("## Placement");
        md.AppendLine();
        RunRecord[] near = [.. runs.Where(r => r.Placement == "near")];
        RunRecord[] far = [.. runs.Where(r => r.Placement == "far")];
        RunRecord[] mixed = [.. runs.Where(r => r.Placement == "mixed")];
        md.AppendLine(Inv, $"The cache-line round trip between cpu 0 and cpu 1, measured just before and just after each of the {runs.Length} runs: " +
                           $"{near.Length} runs in the near placement (median {Format.Ns(Stats.Median(near.Select(r => r.C2cNs)))} ns), " +
                           $"{far.Length} in the far one (median {Format.Ns(Stats.Median(far.Select(r => r.C2cNs)))} ns), " +
                           $"{mixed.Length} moved from one to the other while they ran; " +
                           $"range {Format.Ns(runs.Min(r => r.C2cNs))}–{Format.Ns(runs.Max(r => r.C2cNs))} ns. The probe of each run is in the table of runs at the end, " +
                           $"with the cores that other work kept busy just before it (/proc/stat over 0.3 s; median {LoadText(Stats.Median(runs.Select(r => r.Load)))}, " +
                           $"highest {LoadText(runs.Select(r => r.Load).Where(l => !double.IsNaN(l)).DefaultIfEmpty(double.NaN).Max())} of {data.Meta.GetValueOrDefault("cores", "?")}: " +
                           $"where it is well above 0, the benchmark's ranks shared the cores with it).");
        md.AppendLine();
    }

    private static string LoadText(double load) => double.IsNaN(load) ? "–" : load.ToString("0.0", Inv);

    private static void WriteTables(StringBuilder md, List<Row> rows, IReadOnlyList<Implementation> impls)
    {
        md.AppendLine("## Every row");
        md.AppendLine();
        foreach (var g in rows.GroupBy(r => (r.Np, r.Bench)))
        {
            bool bw = g.First().HigherIsBetter;
            md.AppendLine(Inv, $"### np = {g.Key.Np}: {SuiteSpec.Name(g.Key.Bench)} ({(bw ? "MB/s, higher is better" : "µs, lower is better")})");
            md.AppendLine();
            md.AppendLine($"| size | {string.Join(" | ", impls.Select(i => i.Label))} | best native | HpcMsg / best | ratio of medians | target |");
            md.AppendLine($"| ---: | {string.Join(" | ", impls.Select(_ => "---:"))} | --- | ---: | ---: | --- |");
            foreach (Row r in g)
            {
                string target = r.Target is null ? "" : $"{r.Target.Text.Split(' ')[0]} {r.Target.Text.Split(' ')[1]}: {r.Target.Verdict(r.Ratio)}";
                md.AppendLine($"| {(r.Bench == Bench.Barrier ? "–" : Format.Bytes(r.Size))} | {string.Join(" | ", impls.Select(i => Value(r, i)))} | " +
                              $"{r.BestNative?.Label ?? "–"} | {Format.Ratio(r.Ratio)} | {Format.Ratio(r.RatioOfMedians)} | {target} |");
            }
            md.AppendLine();
        }
    }

    private static void WriteRuns(StringBuilder md, Dataset data, IReadOnlyList<Implementation> impls)
    {
        if (data.Runs.Count == 0) return;
        md.AppendLine("## Runs");
        md.AppendLine();
        md.AppendLine("<details><summary>Every run in the order it ran, with the placement probe before it</summary>");
        md.AppendLine();
        md.AppendLine("| # | started (UTC) | rep | block | implementation | probe before / after (ns) | placement | other work (cores) | seconds | status |");
        md.AppendLine("| ---: | --- | ---: | --- | --- | ---: | --- | ---: | ---: | --- |");
        int n = 0;
        foreach (RunRecord r in data.Runs)
        {
            string label = impls.FirstOrDefault(i => i.Key == r.Impl)?.Label ?? r.Impl;
            md.AppendLine(Inv, $"| {++n} | {r.StartedUtc:HH:mm:ss} | {r.Rep} | np {r.Np} {r.Block} | {label} | {Format.Ns(r.C2cNs)} / {Format.Ns(r.C2cAfterNs)} | {r.Placement} | {(double.IsNaN(r.Load) ? "–" : r.Load.ToString("0.0", Inv))} | {r.Seconds:0.0} | {(!r.Ok ? "**failed**: " + r.Note : r.Note.Length > 0 ? "ok; " + r.Note : "ok")} |");
        }
        md.AppendLine();
        md.AppendLine("</details>");
        md.AppendLine();
        if (data.Meta.Keys.Any(k => k.StartsWith("launch.", StringComparison.Ordinal)))
        {
            md.AppendLine("Command lines (rank count and benchmark list vary):");
            md.AppendLine();
            md.AppendLine("```");
            foreach (var kv in data.Meta.Where(kv => kv.Key.StartsWith("launch.", StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
                md.AppendLine(kv.Value);
            md.AppendLine("```");
        }
    }
}
