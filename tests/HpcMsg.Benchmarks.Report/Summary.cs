using HpcMsg.Benchmarks.Osu.Suite;

namespace HpcMsg.Benchmarks.Report;

/// <summary>One implementation's values for one row, over the repetitions.</summary>
public sealed class Cell
{
    public required List<(double Value, string Placement, int Rep)> Runs { get; init; }
    public required bool Capped { get; init; }

    public double Median => Stats.Median(Runs.Select(r => r.Value));
    public double Min => Runs.Min(r => r.Value);
    public double Max => Runs.Max(r => r.Value);
    public int Count => Runs.Count;
}

/// <summary>A target of the issue, applied to one row.</summary>
public sealed record Target(string Text, double Limit, bool AtLeast)
{
    public bool IsMet(double ratio) => AtLeast ? ratio >= Limit : ratio <= Limit;

    /// <summary>"met", or by how much the ratio misses the limit.</summary>
    public string Verdict(double ratio)
    {
        if (double.IsNaN(ratio)) return "no data";
        if (IsMet(ratio)) return "met";
        double by = AtLeast ? (1 - ratio / Limit) * 100 : (ratio / Limit - 1) * 100;
        return $"**missed by {by:0.#}%**";
    }
}

/// <summary>One row of the report: a rank count, a benchmark, a size.</summary>
public sealed class Row
{
    public required int Np { get; init; }
    public required Bench Bench { get; init; }
    public required long Size { get; init; }
    public required Dictionary<string, Cell> Cells { get; init; }

    public bool HigherIsBetter => Bench is Bench.Bw or Bench.Bibw;

    /// <summary>The native implementations (MPICH, Open MPI) with data in this row.</summary>
    private IEnumerable<Implementation> Natives => Implementation.All.Where(i => i.IsNative && Cells.ContainsKey(i.Key));

    /// <summary>The better of MPICH and Open MPI by median, or null without native data.</summary>
    public Implementation? BestNative
    {
        get
        {
            Implementation[] natives = [.. Natives];
            if (natives.Length == 0) return null;
            return HigherIsBetter ? natives.MaxBy(i => Cells[i.Key].Median) : natives.MinBy(i => Cells[i.Key].Median);
        }
    }

    /// <summary>The best of <paramref name="values"/> (highest for bandwidth, lowest for time), NaNs
    /// skipped; NaN when none is left.</summary>
    private double Best(IEnumerable<double> values)
    {
        double best = double.NaN;
        foreach (double v in values)
        {
            if (double.IsNaN(v)) continue;
            if (double.IsNaN(best) || (HigherIsBetter ? v > best : v < best)) best = v;
        }
        return best;
    }

    /// <summary>The row's ratio, the one its verdict uses: the median over the rounds of HpcMsg's
    /// value / the best native value of the same round (for bandwidth above 1 is better, for time
    /// below). A round runs every implementation in turn on one benchmark, so its runs share the
    /// placement; a ratio of medians instead compares whichever runs of each implementation fell in
    /// the middle, which can be a far run of one against a near run of another when a round had to
    /// be kept with its placements mixed (np 2 allgather 4 B at 08:44: 2.91 as a ratio of medians,
    /// 1.08 paired, near 0.89, far 1.11).</summary>
    public double Ratio => Stats.Median(RoundRatios().Select(x => x.Ratio));

    /// <summary>The paired ratio over the rounds whose HpcMsg run was wholly in one placement.</summary>
    public double RatioIn(string placement) => Stats.Median(RoundRatios().Where(x => x.Placement == placement).Select(x => x.Ratio));

    /// <summary>HpcMsg's median / the best native median, shown beside the paired ratio.</summary>
    public double RatioOfMedians =>
        Cells.TryGetValue(Implementation.HpcMsg.Key, out Cell? mine) ? mine.Median / Best(Natives.Select(i => Cells[i.Key].Median)) : double.NaN;

    /// <summary>For each round with an HpcMsg run: its value / the best native value of that round.</summary>
    private IEnumerable<(double Ratio, string Placement)> RoundRatios()
    {
        if (!Cells.TryGetValue(Implementation.HpcMsg.Key, out Cell? mine)) yield break;
        Cell[] natives = [.. Natives.Select(i => Cells[i.Key])];
        foreach ((double value, string placement, int rep) in mine.Runs)
        {
            double best = Best(natives.SelectMany(c => c.Runs).Where(x => x.Rep == rep && x.Value > 0).Select(x => x.Value));
            if (!double.IsNaN(best)) yield return (value / best, placement);
        }
    }

    /// <summary>The targets: 8-byte latency and 4 MiB bandwidth at np = 2 no worse than the best
    /// native; every collective at np = 2 and 4 within 1.2x of the best native.</summary>
    public Target? Target => (Np, Bench, Size) switch
    {
        (2, Bench.Latency, 8) => new Target("≤ 1.00 (latency ≤ best native)", 1.0, AtLeast: false),
        (2, Bench.Bw, SuiteSpec.P2PMax) => new Target("≥ 1.00 (bandwidth ≥ best native)", 1.0, AtLeast: true),
        (2 or 4, >= Bench.Barrier, _) => new Target("≤ 1.20", 1.2, AtLeast: false),
        _ => null,
    };
}

public static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        double[] v = [.. values.Where(x => !double.IsNaN(x)).Order()];
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}

/// <summary>The rows, from the samples.</summary>
public static class Summary
{
    public static List<Row> Build(Dataset data, bool quick)
    {
        var rows = new List<Row>();
        foreach (var group in data.Samples.GroupBy(s => (s.Np, s.Bench, s.Size)).OrderBy(g => g.Key.Np).ThenBy(g => Parse(g.Key.Bench)).ThenBy(g => g.Key.Size))
        {
            Bench bench = Parse(group.Key.Bench);
            int expected = SuiteSpec.Counts(bench, group.Key.Size, quick).Iterations;
            var cells = group.GroupBy(s => s.Impl).ToDictionary(
                g => g.Key,
                g => new Cell { Runs = [.. g.Select(s => (s.Value, s.Placement, s.Rep))], Capped = g.Any(s => s.Iterations < expected) });
            rows.Add(new Row { Np = group.Key.Np, Bench = bench, Size = group.Key.Size, Cells = cells });
        }
        return rows;
    }

    public static Bench Parse(string name) =>
        Enum.GetValues<Bench>().FirstOrDefault(b => SuiteSpec.Name(b) == name, (Bench)(-1)) is var b && (int)b >= 0
            ? b
            : throw new ReportException($"unknown benchmark '{name}' in the data");
}
