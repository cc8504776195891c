using System.Globalization;
using System.Text;

namespace HpcMsg.Benchmarks.Report;

/// <summary>One run of the suite: one implementation, one block (rank count and benchmark group), one repetition.</summary>
public sealed record RunRecord(int Rep, int Np, string Block, string Impl, DateTime StartedUtc, double C2cNs, double Seconds, bool Ok, string ImplementationText, string Note)
{
    /// <summary>Cores kept busy by other work just before the run (0.3 s of /proc/stat, before the probe).</summary>
    public double Load { get; init; } = double.NaN;

    /// <summary>The placement probe again, just after the run.</summary>
    public double C2cAfterNs { get; init; } = double.NaN;

    public string Placement => PlacementProbe.Classify(C2cNs, C2cAfterNs);
}

/// <summary>One printed value: a size of a benchmark in one run.</summary>
public sealed record Sample(int Rep, int Np, string Impl, string Bench, long Size, double Value, long Iterations, double C2cNs)
{
    public double C2cAfterNs { get; init; } = double.NaN;

    public string Placement => PlacementProbe.Classify(C2cNs, C2cAfterNs);
}

/// <summary>Everything measured, and where and how; kept as CSV beside the report so that
/// <c>--from-csv</c> can write the report again.</summary>
public sealed class Dataset
{
    public List<RunRecord> Runs { get; } = [];
    public List<Sample> Samples { get; } = [];
    public Dictionary<string, string> Meta { get; } = [];

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var s = new StringBuilder("rep,np,impl,bench,size,value,iterations,c2c_ns,c2c_after_ns\n");
        foreach (Sample x in Samples)
            s.Append(Inv, $"{x.Rep},{x.Np},{x.Impl},{x.Bench},{x.Size},{x.Value:R},{x.Iterations},{x.C2cNs:F1},{x.C2cAfterNs:F1}\n");
        File.WriteAllText(Path.Combine(folder, "samples.csv"), s.ToString());

        var r = new StringBuilder("rep,np,block,impl,started_utc,c2c_ns,seconds,ok,implementation,note,other_cores,c2c_after_ns\n");
        foreach (RunRecord x in Runs)
            r.Append(Inv, $"{x.Rep},{x.Np},{x.Block},{x.Impl},{x.StartedUtc:yyyy-MM-ddTHH:mm:ssZ},{x.C2cNs:F1},{x.Seconds:F2},{(x.Ok ? 1 : 0)},{Clean(x.ImplementationText)},{Clean(x.Note)},{x.Load:F2},{x.C2cAfterNs:F1}\n");
        File.WriteAllText(Path.Combine(folder, "runs.csv"), r.ToString());

        File.WriteAllLines(Path.Combine(folder, "meta.txt"), Meta.Select(kv => $"{kv.Key}={Clean(kv.Value)}"));
    }

    public static Dataset Load(string samplesCsv)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(samplesCsv))!;
        var d = new Dataset();
        foreach (string line in File.ReadLines(samplesCsv).Skip(1))
        {
            string[] f = line.Split(',');
            if (f.Length < 8) continue;
            d.Samples.Add(new Sample(int.Parse(f[0], Inv), int.Parse(f[1], Inv), f[2], f[3], long.Parse(f[4], Inv),
                double.Parse(f[5], Inv), long.Parse(f[6], Inv), double.Parse(f[7], Inv))
            {
                C2cAfterNs = f.Length > 8 ? Number(f[8]) : double.NaN,
            });
        }
        string runs = Path.Combine(folder, "runs.csv");
        if (File.Exists(runs))
        {
            foreach (string line in File.ReadLines(runs).Skip(1))
            {
                string[] f = line.Split(',');
                if (f.Length < 10) continue;
                d.Runs.Add(new RunRecord(int.Parse(f[0], Inv), int.Parse(f[1], Inv), f[2], f[3],
                    DateTime.Parse(f[4], Inv, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                    double.Parse(f[5], Inv), double.Parse(f[6], Inv), f[7] == "1", f[8], f[9])
                {
                    Load = f.Length > 10 ? Number(f[10]) : double.NaN,
                    C2cAfterNs = f.Length > 11 ? Number(f[11]) : double.NaN,
                });
            }
        }
        string meta = Path.Combine(folder, "meta.txt");
        if (File.Exists(meta))
        {
            foreach (string line in File.ReadLines(meta))
            {
                int eq = line.IndexOf('=');
                if (eq > 0) d.Meta[line[..eq]] = line[(eq + 1)..];
            }
        }
        return d;
    }

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, Inv, out double v) ? v : double.NaN;

    private static string Clean(string text) => text.Replace(',', ';').Replace('\n', ' ').Replace('\r', ' ');
}
