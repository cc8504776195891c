using System.Globalization;
using ScottPlot;

namespace HpcMsg.ScalingStudy;

/// <summary>
/// Time, speedup and efficiency against the rank count. Points within the core count are blue
/// filled circles on a solid line; oversubscribed points (ranks &gt; cores) are red open squares on a
/// dashed line, over a shaded band, right of a vertical line marking the core count. Grey dots are
/// the single runs, the dashed grey line is ideal scaling.
/// </summary>
public static class Plots
{
    private static readonly Color InCores = Color.FromHex("#1f77b4");
    private static readonly Color Over = Color.FromHex("#d62728");

    public static IReadOnlyList<string> DrawAll(string folder, string baseName, IReadOnlyList<Measurement> runs, IReadOnlyList<RankSummary> summary)
    {
        Measurement first = runs[0];
        int cores = first.Cores;
        bool strong = first.Mode == ScalingMode.Strong;
        RankSummary basis = summary[0];
        int p0 = basis.Ranks;
        string sizeText = strong
            ? string.Create(CultureInfo.InvariantCulture, $"size {basis.Size}")
            : string.Create(CultureInfo.InvariantCulture, $"size {basis.Size} at {p0} rank{(p0 == 1 ? "" : "s")} → {summary[^1].Size} at {summary[^1].Ranks}");
        double[] loads = [.. runs.Select(r => r.LoadAverage).Where(l => !double.IsNaN(l))];
        string loadText = loads.Length == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $", 1-min load average {loads.Min():F1}–{loads.Max():F1} before the runs");
        string title = $"{first.Example}, {(strong ? "strong" : "weak")} scaling ({sizeText}); {cores} cores\n"
            + string.Create(CultureInfo.InvariantCulture, $"median of {RunsText(summary)} runs per point{loadText}");

        double perRunSpeedup(Measurement m) => strong ? p0 * basis.Median / m.TimeSeconds : m.Ranks * basis.Median / m.TimeSeconds;
        double perRunEfficiency(Measurement m) => strong ? p0 * basis.Median / m.TimeSeconds / m.Ranks : basis.Median / m.TimeSeconds;

        var files = new List<string>
        {
            Draw(Path.Combine(folder, $"{baseName}-time.png"), title, "time of the timed loop (s), median of runs", runs, summary, cores,
                s => s.Median, m => m.TimeSeconds, strong ? p => basis.Median * p0 / p : _ => basis.Median, "ideal"),
            Draw(Path.Combine(folder, $"{baseName}-speedup.png"), title, strong ? (p0 == 1 ? "speedup T(1) / T(p)" : $"speedup {p0}·T({p0}) / T(p)") : $"scaled speedup p·T({p0}) / T(p)", runs, summary, cores,
                s => s.Speedup, perRunSpeedup, p => p, "ideal (= ranks)"),
            Draw(Path.Combine(folder, $"{baseName}-efficiency.png"), title, strong ? "parallel efficiency speedup / p" : $"weak-scaling efficiency T({p0}) / T(p)", runs, summary, cores,
                s => s.Efficiency, perRunEfficiency, _ => 1, "ideal (= 1)"),
        };
        return files;
    }

    private static string RunsText(IReadOnlyList<RankSummary> summary)
    {
        int min = summary.Min(s => s.Runs), max = summary.Max(s => s.Runs);
        return min == max ? min.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{min}–{max}");
    }

    private static string Draw(string path, string title, string yLabel, IReadOnlyList<Measurement> runs, IReadOnlyList<RankSummary> summary, int cores,
        Func<RankSummary, double> value, Func<Measurement, double> perRun, Func<double, double> ideal, string idealLabel)
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans"); // falls back to ScottPlot's default where it is not installed
        int maxRanks = summary.Max(s => s.Ranks);
        double xMax = maxRanks + Math.Max(0.5, maxRanks * 0.05);
        double[] medians = [.. summary.Select(value)];
        double yMax = Math.Max(medians.Max(), runs.Select(perRun).Max());
        double[] idealX = [.. summary.Select(s => (double)s.Ranks)];
        double[] idealY = [.. idealX.Select(ideal)];
        yMax = Math.Max(yMax, idealY.Max()) * 1.12;

        // Oversubscribed band and the core count.
        if (maxRanks > cores)
        {
            var band = plot.Add.HorizontalSpan(cores, xMax);
            band.FillStyle.Color = Over.WithAlpha(0.08);
            band.LineStyle.Width = 0;
            band.LegendText = "oversubscribed (ranks > cores)";
        }
        var coreLine = plot.Add.VerticalLine(cores);
        coreLine.Color = Colors.Black;
        coreLine.LineWidth = 1.5f;
        coreLine.LinePattern = LinePattern.Dotted;
        coreLine.LegendText = $"cores = {cores}";
        var coreLabel = plot.Add.Text($"cores = {cores}", cores, yMax);
        coreLabel.LabelFontSize = 13;
        coreLabel.LabelBold = true;
        coreLabel.LabelAlignment = Alignment.UpperRight;
        coreLabel.LabelOffsetX = -4;
        coreLabel.LabelOffsetY = 4;

        // Ideal scaling.
        var idealLine = plot.Add.Scatter(idealX, idealY);
        idealLine.Color = Colors.Gray;
        idealLine.LinePattern = LinePattern.Dashed;
        idealLine.LineWidth = 1.5f;
        idealLine.MarkerSize = 0;
        idealLine.LegendText = idealLabel;

        // Single runs.
        var single = plot.Add.Markers(runs.Select(m => (double)m.Ranks).ToArray(), runs.Select(perRun).ToArray());
        single.Color = Colors.Gray.WithAlpha(0.7);
        single.MarkerSize = 5;
        single.MarkerShape = MarkerShape.FilledCircle;
        single.LegendText = "single runs";

        // Medians: within the cores, then oversubscribed (joined to the last point within the cores).
        RankSummary[] within = [.. summary.Where(s => !s.Oversubscribed)];
        RankSummary[] beyond = [.. summary.Where(s => s.Oversubscribed)];
        if (within.Length > 0)
        {
            var line = plot.Add.Scatter(within.Select(s => (double)s.Ranks).ToArray(), within.Select(value).ToArray());
            line.Color = InCores;
            line.LineWidth = 2.5f;
            line.MarkerShape = MarkerShape.FilledCircle;
            line.MarkerSize = 11;
            line.LegendText = "median, ranks ≤ cores";
        }
        if (beyond.Length > 0)
        {
            RankSummary[] joined = within.Length > 0 ? [within[^1], .. beyond] : beyond;
            var link = plot.Add.Scatter(joined.Select(s => (double)s.Ranks).ToArray(), joined.Select(value).ToArray());
            link.Color = Over;
            link.LineWidth = 2.5f;
            link.LinePattern = LinePattern.Dashed;
            link.MarkerSize = 0;
            var points = plot.Add.Markers(beyond.Select(s => (double)s.Ranks).ToArray(), beyond.Select(value).ToArray());
            points.Color = Over;
            points.MarkerShape = MarkerShape.OpenSquare;
            points.MarkerSize = 13;
            points.MarkerLineWidth = 2.5f;
            points.LegendText = "median, oversubscribed";
        }

        // Value labels next to the medians.
        foreach (RankSummary s in summary)
        {
            var label = plot.Add.Text(string.Create(CultureInfo.InvariantCulture, $"{value(s):0.###}"), s.Ranks, value(s));
            label.LabelFontSize = 12;
            label.LabelFontColor = s.Oversubscribed ? Over : InCores;
            label.LabelOffsetX = 8;
            label.LabelOffsetY = -20;
        }

        plot.Title(title, size: 15);
        plot.XLabel("ranks");
        plot.YLabel(yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. summary.Select(s => (double)s.Ranks)], [.. summary.Select(s => s.Ranks.ToString(CultureInfo.InvariantCulture))]);
        plot.Axes.SetLimits(0, xMax, 0, yMax);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 1100, 620);
        return path;
    }
}
