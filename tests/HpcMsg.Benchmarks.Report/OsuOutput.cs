using System.Globalization;

namespace HpcMsg.Benchmarks.Report;

/// <summary>One printed line of the suite: a size of a benchmark and its value.</summary>
public sealed record OsuPoint(string Bench, int Np, string ImplementationText, long Size, double Value, long Iterations);

/// <summary>
/// Reads what the three suite programs print (one format for all):
/// <code>
/// # bench latency np 2 impl MPICH 4.0.2
/// # size latency_us iterations
/// 0 0.52 10000
/// # end latency
/// </code>
/// Anything else (launcher notices, warnings) is ignored; a block without its end line is dropped.
/// </summary>
public static class OsuOutput
{
    public static List<OsuPoint> Parse(string text)
    {
        var points = new List<OsuPoint>();
        var block = new List<OsuPoint>();
        string? bench = null, impl = null;
        int np = 0;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith("# bench ", StringComparison.Ordinal))
            {
                // "# bench NAME np N impl TEXT..."
                string[] w = line.Split(' ', 7, StringSplitOptions.RemoveEmptyEntries);
                if (w.Length >= 7 && w[3] == "np" && w[5] == "impl" && int.TryParse(w[4], CultureInfo.InvariantCulture, out np))
                {
                    bench = w[2];
                    impl = w[6];
                    block.Clear();
                }
                continue;
            }
            if (line.StartsWith("# end ", StringComparison.Ordinal))
            {
                if (bench is not null && line[6..].Trim() == bench) points.AddRange(block);
                bench = null;
                block.Clear();
                continue;
            }
            if (bench is null || line.Length == 0 || line[0] == '#') continue;
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 2
                && long.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long size)
                && double.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                long iters = f.Length >= 3 && long.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out long it) ? it : 0;
                block.Add(new OsuPoint(bench, np, impl!, size, value, iters));
            }
        }
        return points;
    }
}
