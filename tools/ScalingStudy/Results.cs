using System.Globalization;
using System.Text;

namespace HpcMsg.ScalingStudy;

/// <summary>One timed run.</summary>
/// <remarks><paramref name="LoadAverage"/>: the machine's 1-minute load average just before the run
/// (NaN where /proc/loadavg is missing); on a shared machine it tells which runs had to share the cores.</remarks>
public sealed record Measurement(string Example, ScalingMode Mode, int Ranks, int Rep, long Size, double TimeSeconds, int Cores, double LoadAverage)
{
    public bool Oversubscribed => Ranks > Cores;
}

/// <summary>The statistics at one rank count. Speedup and efficiency are against the smallest rank
/// count p0 of the study (normally 1): strong scaling S = p0·T(p0)/T(p), E = S/p; weak scaling
/// E = T(p0)/T(p) and the scaled speedup S = p·E.</summary>
public sealed record RankSummary(int Ranks, long Size, int Runs, double Median, double Min, double Max, double Speedup, double Efficiency, bool Oversubscribed, double MeanLoad);

public static class Results
{
    private const string Header = "example,mode,ranks,rep,size,time_s,cores,oversubscribed,load_avg";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void WriteHeader(string path) => File.WriteAllText(path, Header + "\n");

    public static void Append(string path, Measurement m) =>
        File.AppendAllText(path, string.Create(Inv, $"{m.Example},{m.Mode.ToString().ToLowerInvariant()},{m.Ranks},{m.Rep},{m.Size},{m.TimeSeconds:R},{m.Cores},{(m.Oversubscribed ? 1 : 0)},{m.LoadAverage:F2}\n"));

    public static List<Measurement> Read(string path)
    {
        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim() != Header)
            throw new FormatException($"{path}: expected the header '{Header}'");
        var list = new List<Measurement>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            string[] f = lines[i].Split(',');
            if (f.Length != 9) throw new FormatException($"{path}:{i + 1}: expected 9 fields, found {f.Length}");
            list.Add(new Measurement(f[0], Enum.Parse<ScalingMode>(f[1], ignoreCase: true), int.Parse(f[2], Inv), int.Parse(f[3], Inv),
                long.Parse(f[4], Inv), double.Parse(f[5], Inv), int.Parse(f[6], Inv), double.Parse(f[8], Inv)));
        }
        return list;
    }

    public static List<RankSummary> Summarize(IReadOnlyList<Measurement> runs)
    {
        if (runs.Count == 0) return [];
        ScalingMode mode = runs[0].Mode;
        var byRanks = runs.GroupBy(r => r.Ranks).OrderBy(g => g.Key).ToList();
        int p0 = byRanks[0].Key;
        double t0 = Median(byRanks[0].Select(r => r.TimeSeconds));
        var summary = new List<RankSummary>();
        foreach (var g in byRanks)
        {
            double[] times = [.. g.Select(r => r.TimeSeconds).Order()];
            double median = Median(times);
            double speedup, efficiency;
            if (mode == ScalingMode.Strong)
            {
                speedup = p0 * t0 / median;
                efficiency = speedup / g.Key;
            }
            else
            {
                efficiency = t0 / median;
                speedup = g.Key * efficiency;
            }
            summary.Add(new RankSummary(g.Key, g.First().Size, times.Length, median, times[0], times[^1], speedup, efficiency, g.First().Oversubscribed, g.Average(r => r.LoadAverage)));
        }
        return summary;
    }

    public static void WriteSummary(string path, IReadOnlyList<RankSummary> summary)
    {
        var text = new StringBuilder("ranks,size,runs,median_s,min_s,max_s,speedup,efficiency,oversubscribed,mean_load_avg\n");
        foreach (RankSummary s in summary)
            text.Append(Inv, $"{s.Ranks},{s.Size},{s.Runs},{s.Median:F6},{s.Min:F6},{s.Max:F6},{s.Speedup:F4},{s.Efficiency:F4},{(s.Oversubscribed ? 1 : 0)},{s.MeanLoad:F2}\n");
        File.WriteAllText(path, text.ToString());
    }

    public static string Table(IReadOnlyList<RankSummary> summary)
    {
        var text = new StringBuilder();
        text.AppendLine(" ranks         size  runs   median s      min s      max s  speedup  efficiency  load avg");
        foreach (RankSummary s in summary)
            text.AppendLine(string.Create(Inv, $"{s.Ranks,6} {s.Size,12} {s.Runs,5} {s.Median,10:F4} {s.Min,10:F4} {s.Max,10:F4} {s.Speedup,8:F2} {s.Efficiency,11:F2} {s.MeanLoad,9:F2}{(s.Oversubscribed ? "  (oversubscribed)" : "")}"));
        return text.ToString();
    }

    public static double Median(IEnumerable<double> values)
    {
        double[] v = [.. values.Order()];
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }
}

public static class LoadAverage
{
    /// <summary>The 1-minute load average (the first field of /proc/loadavg), NaN where unavailable.</summary>
    public static double Now()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return double.NaN;
        }
    }
}
