using System.Globalization;
using HpcMsg.Benchmarks.Osu.Suite;
using ScottPlot;

namespace HpcMsg.Benchmarks.Report;

/// <summary>
/// The report's figures (ScottPlot). Sizes on a log2 axis, times on a log10 axis, bandwidth linear in
/// GB/s. Lines join the medians over the repetitions; the shaded band around each line spans the
/// fastest to the slowest repetition, so the spread from the vCPU placement shows.
/// </summary>
public static class Plots
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static List<string> DrawAll(string folder, List<Row> rows, Dataset data, IReadOnlyList<Implementation> impls, string subtitle)
    {
        var files = new List<string>();
        if (rows.Any(r => r.Np == 2 && SuiteSpec.IsPointToPoint(r.Bench)))
        {
            var mp = new Multiplot();
            mp.AddPlots(3);
            mp.Layout = new ScottPlot.MultiplotLayouts.Grid(1, 3);
            LatencyPanel(mp.GetPlot(0), rows, 2, Bench.Latency, impls, "Ping-pong latency, np = 2 (one-way)", legend: true);
            BandwidthPanel(mp.GetPlot(1), rows, Bench.Bw, impls, "Bandwidth, window of 64, np = 2");
            BandwidthPanel(mp.GetPlot(2), rows, Bench.Bibw, impls, "Bi-directional bandwidth, np = 2");
            files.Add(Save(mp, Path.Combine(folder, "point-to-point.png"), 1950, 620));
        }
        foreach (int np in rows.Select(r => r.Np).Distinct().Order())
        {
            if (!rows.Any(r => r.Np == np && !SuiteSpec.IsPointToPoint(r.Bench))) continue;
            var mp = new Multiplot();
            mp.AddPlots(8);
            mp.Layout = new ScottPlot.MultiplotLayouts.Grid(2, 4);
            BarrierPanel(mp.GetPlot(0), rows, np, impls);
            Bench[] coll = [Bench.Bcast, Bench.Reduce, Bench.Allreduce, Bench.Scatter, Bench.Gather, Bench.Allgather, Bench.Alltoall];
            for (int i = 0; i < coll.Length; i++)
                LatencyPanel(mp.GetPlot(i + 1), rows, np, coll[i], impls, $"{SuiteSpec.Name(coll[i])}, np = {np}{(np > Environment.ProcessorCount ? " (oversubscribed)" : "")}", legend: i == 0);
            files.Add(Save(mp, Path.Combine(folder, $"collectives-np{np}.png"), 2000, 960));
        }
        files.Add(RatioPlot(Path.Combine(folder, "ratios.png"), rows, subtitle));
        if (data.Runs.Count > 0) files.Add(PlacementPlot(Path.Combine(folder, "placement.png"), data, impls));
        return files;
    }

    private static string Save(Multiplot mp, string path, int width, int height)
    {
        mp.SavePng(path, width, height);
        return path;
    }

    private static void Style(Plot plot, string title)
    {
        plot.Font.Set("DejaVu Sans");
        plot.Title(title, size: 16);
    }

    private static void LatencyPanel(Plot plot, List<Row> rows, int np, Bench bench, IReadOnlyList<Implementation> impls, string title, bool legend)
    {
        Style(plot, title);
        Row[] mine = [.. rows.Where(r => r.Np == np && r.Bench == bench && r.Size > 0).OrderBy(r => r.Size)];
        if (mine.Length == 0) return;
        double lo = double.MaxValue, hi = double.MinValue;
        foreach (Implementation impl in impls)
        {
            Row[] with = [.. mine.Where(r => r.Cells.ContainsKey(impl.Key))];
            if (with.Length == 0) continue;
            double[] x = [.. with.Select(r => Math.Log2(r.Size))];
            double[] y = [.. with.Select(r => Math.Log10(r.Cells[impl.Key].Median))];
            double[] yMin = [.. with.Select(r => Math.Log10(r.Cells[impl.Key].Min))];
            double[] yMax = [.. with.Select(r => Math.Log10(r.Cells[impl.Key].Max))];
            Series(plot, impl, x, y, yMin, yMax);
            lo = Math.Min(lo, yMin.Min());
            hi = Math.Max(hi, yMax.Max());
        }
        SizeAxis(plot, mine.Select(r => r.Size));
        LogAxis(plot, lo, hi);
        plot.YLabel("time per call (µs), log scale");
        plot.XLabel("message size");
        if (legend) Legend(plot, Alignment.UpperLeft);
        else plot.HideLegend();
    }

    private static void BandwidthPanel(Plot plot, List<Row> rows, Bench bench, IReadOnlyList<Implementation> impls, string title)
    {
        Style(plot, title);
        Row[] mine = [.. rows.Where(r => r.Np == 2 && r.Bench == bench && r.Size > 0).OrderBy(r => r.Size)];
        if (mine.Length == 0) return;
        double hi = 0;
        foreach (Implementation impl in impls)
        {
            Row[] with = [.. mine.Where(r => r.Cells.ContainsKey(impl.Key))];
            if (with.Length == 0) continue;
            double[] x = [.. with.Select(r => Math.Log2(r.Size))];
            double[] y = [.. with.Select(r => r.Cells[impl.Key].Median / 1000)];
            double[] yMin = [.. with.Select(r => r.Cells[impl.Key].Min / 1000)];
            double[] yMax = [.. with.Select(r => r.Cells[impl.Key].Max / 1000)];
            Series(plot, impl, x, y, yMin, yMax);
            hi = Math.Max(hi, yMax.Max());
        }
        SizeAxis(plot, mine.Select(r => r.Size));
        plot.Axes.SetLimitsY(0, hi * 1.08);
        plot.YLabel("GB/s (10⁹ bytes a second)");
        plot.XLabel("message size");
        Legend(plot, Alignment.UpperLeft);
    }

    private static void Series(Plot plot, Implementation impl, double[] x, double[] y, double[] yMin, double[] yMax)
    {
        if (x.Length > 1)
        {
            var band = plot.Add.FillY(x, yMin, yMax);
            band.FillColor = impl.Color.WithAlpha(0.13);
            band.LineWidth = 0;
            band.MarkerSize = 0;
        }
        var line = plot.Add.Scatter(x, y);
        line.Color = impl.Color;
        line.LineWidth = impl == Implementation.HpcMsg ? 3 : 2;
        line.LinePattern = impl.IsNative || impl == Implementation.HpcMsg ? LinePattern.Solid : impl.IsVariant ? LinePattern.Dotted : LinePattern.Dashed;
        line.MarkerShape = impl.Marker;
        line.MarkerSize = 7;
        line.LegendText = impl.Label;
    }

    private static void BarrierPanel(Plot plot, List<Row> rows, int np, IReadOnlyList<Implementation> impls)
    {
        Style(plot, $"barrier, np = {np}");
        Row? row = rows.FirstOrDefault(r => r.Np == np && r.Bench == Bench.Barrier);
        if (row is null) return;
        Implementation[] present = [.. impls.Where(i => row.Cells.ContainsKey(i.Key))];
        double[] values = [.. present.Select(i => row.Cells[i.Key].Median)];
        // Bars stand on the decade below the smallest value; heights are log10 above it (ScottPlot puts
        // a bar's label on its top only for a positive value, so the axis is shifted by that base).
        double floor = Math.Floor(Math.Log10(values.Min()) - 0.3);
        var bars = new List<Bar>();
        for (int i = 0; i < present.Length; i++)
        {
            bars.Add(new Bar
            {
                Position = i,
                ValueBase = 0,
                Value = Math.Log10(values[i]) - floor,
                FillColor = present[i].Color,
                Label = Format.Micros(values[i]) + " µs",
            });
        }
        var plottable = plot.Add.Bars(bars);
        plottable.ValueLabelStyle.FontSize = 14;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. present.Select((_, i) => (double)i)], [.. present.Select(i => i.ShortLabel)]);
        double top = Math.Log10(values.Max()) - floor + 0.5;
        LogAxis(plot, floor, floor + top, shift: floor);
        plot.Axes.SetLimitsY(0, top);
        plot.YLabel("time per call (µs), log scale");
    }

    private static string RatioPlot(string path, List<Row> rows, string subtitle)
    {
        var plot = new Plot();
        Style(plot, "HpcMsg / best native (MPICH or Open MPI), median of the runs: below 1 HpcMsg is faster (bandwidth: above 1)");
        Bench[] benches = [.. rows.Where(r => !double.IsNaN(r.Ratio)).Select(r => r.Bench).Distinct().Order()];
        Color[] palette = new ScottPlot.Palettes.Category10().Colors;
        double hi = 1.5, lo = 0.5;
        foreach (int np in rows.Select(r => r.Np).Distinct().Order())
        {
            foreach (Bench b in benches)
            {
                Row[] mine = [.. rows.Where(r => r.Np == np && r.Bench == b && r.Size > 0 && !double.IsNaN(r.Ratio)).OrderBy(r => r.Size)];
                if (mine.Length == 0) continue;
                double[] x = [.. mine.Select(r => Math.Log2(r.Size))];
                double[] y = [.. mine.Select(r => Math.Log10(r.Ratio))];
                var line = plot.Add.Scatter(x, y);
                line.Color = palette[(int)b % palette.Length];
                line.LineWidth = 2;
                line.LinePattern = np == 2 ? LinePattern.Solid : LinePattern.Dashed;
                line.MarkerShape = np == 2 ? MarkerShape.FilledCircle : MarkerShape.OpenCircle;
                line.MarkerSize = 7;
                line.LegendText = $"{SuiteSpec.Name(b)} np {np}";
                hi = Math.Max(hi, mine.Max(r => r.Ratio));
                lo = Math.Min(lo, mine.Min(r => r.Ratio));
            }
            Row? barrier = rows.FirstOrDefault(r => r.Np == np && r.Bench == Bench.Barrier && !double.IsNaN(r.Ratio));
            if (barrier is not null)
            {
                var m = plot.Add.Marker(1, Math.Log10(barrier.Ratio));
                m.Color = palette[(int)Bench.Barrier % palette.Length];
                m.Size = 12;
                m.Shape = np == 2 ? MarkerShape.FilledDiamond : MarkerShape.OpenDiamond;
                m.LegendText = $"barrier np {np} (no size)";
                hi = Math.Max(hi, barrier.Ratio);
                lo = Math.Min(lo, barrier.Ratio);
            }
        }
        foreach ((double level, string text) in new[] { (1.0, "1 (equal)"), (1.2, "1.2 (collective target)") })
        {
            var h = plot.Add.HorizontalLine(Math.Log10(level));
            h.Color = Colors.Black.WithAlpha(level == 1 ? 0.8 : 0.5);
            h.LineWidth = 1.5f;
            h.LinePattern = level == 1 ? LinePattern.Solid : LinePattern.Dotted;
            h.LegendText = text;
        }
        SizeAxis(plot, rows.Where(r => r.Size > 0).Select(r => r.Size));
        LogAxis(plot, Math.Log10(lo) - 0.05, Math.Log10(hi) + 0.05);
        plot.YLabel("HpcMsg / best native, log scale");
        plot.XLabel($"message size ({subtitle})");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 1500, 700);
        return path;
    }

    private static string PlacementPlot(string path, Dataset data, IReadOnlyList<Implementation> impls)
    {
        var plot = new Plot();
        Style(plot, "vCPU placement beside every run: cache-line round trip between cpu 0 and cpu 1");
        DateTime t0 = data.Runs.Min(r => r.StartedUtc);
        foreach (Implementation impl in impls)
        {
            RunRecord[] runs = [.. data.Runs.Where(r => r.Impl == impl.Key && !double.IsNaN(r.C2cNs))];
            if (runs.Length == 0) continue;
            double[] minutes = [.. runs.Select(r => (r.StartedUtc - t0).TotalMinutes)];
            double[] ns = [.. runs.Select(r => r.C2cNs)];
            var m = plot.Add.Markers(minutes, ns, impl.Marker, 9, impl.Color);
            m.LegendText = $"{impl.Label} run (before; small: after)";
            RunRecord[] after = [.. runs.Where(r => !double.IsNaN(r.C2cAfterNs))];
            if (after.Length > 0)
            {
                double[] afterMinutes = [.. after.Select(r => (r.StartedUtc - t0).TotalMinutes + r.Seconds / 60)];
                double[] afterNs = [.. after.Select(r => r.C2cAfterNs)];
                plot.Add.Markers(afterMinutes, afterNs, impl.Marker, 5, impl.Color.WithAlpha(0.6));
            }
        }
        var h = plot.Add.HorizontalLine(PlacementProbe.FarThresholdNs);
        h.Color = Colors.Gray;
        h.LinePattern = LinePattern.Dashed;
        h.LegendText = $"{PlacementProbe.FarThresholdNs:0} ns: near below, far above";
        double top = data.Runs.Max(r => Math.Max(double.IsNaN(r.C2cNs) ? 0 : r.C2cNs, double.IsNaN(r.C2cAfterNs) ? 0 : r.C2cAfterNs));
        plot.Axes.SetLimitsY(0, Math.Max(600, top * 1.1));
        plot.XLabel("minutes since the first run");
        plot.YLabel("round trip (ns), fastest of 41 batches");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 1400, 520);
        return path;
    }

    private static void SizeAxis(Plot plot, IEnumerable<long> sizes)
    {
        long[] s = [.. sizes.Where(x => x > 0).Distinct().Order()];
        if (s.Length == 0) return;
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        int lo = (int)Math.Log2(s[0]), hi = (int)Math.Log2(s[^1]);
        int step = hi - lo > 12 ? 2 : 1;
        for (int e = lo; e <= hi; e++)
        {
            if ((e - lo) % step == 0) ticks.AddMajor(e, Format.Bytes(1L << e));
            else ticks.AddMinor(e);
        }
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimitsX(lo - 0.4, hi + 0.4);
    }

    /// <summary>A log10 axis: data are log10 of the values (minus <paramref name="shift"/>), ticks at
    /// decades labelled with the values, minor ticks at 2..9 (major at 2 and 5 when the range is short).</summary>
    private static void LogAxis(Plot plot, double lo, double hi, double shift = 0)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        int a = (int)Math.Floor(lo), b = (int)Math.Ceiling(hi);
        for (int e = a; e <= b; e++)
        {
            double v = Math.Pow(10, e);
            ticks.AddMajor(e - shift, v >= 1 ? v.ToString("#,0", Inv) : v.ToString("0.###", Inv));
            for (int k = 2; k <= 9; k++)
            {
                if (b - a <= 2 && k is 2 or 5) ticks.AddMajor(e + Math.Log10(k) - shift, (k * v).ToString(v >= 1 ? "#,0" : "0.###", Inv));
                else ticks.AddMinor(e + Math.Log10(k) - shift);
            }
        }
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimitsY(lo - shift - 0.05, hi - shift + 0.05);
    }

    private static void Legend(Plot plot, Alignment where)
    {
        plot.Legend.Alignment = where;
        plot.Legend.FontSize = 13;
        plot.ShowLegend();
    }
}
