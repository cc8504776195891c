using System.Globalization;

namespace HpcMsg.Benchmarks.Report;

public static class Format
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Bytes(long b) => b switch
    {
        >= 1 << 20 when b % (1 << 20) == 0 => $"{b >> 20} MiB",
        >= 1 << 10 when b % (1 << 10) == 0 => $"{b >> 10} KiB",
        _ => $"{b} B",
    };

    /// <summary>Microseconds with three significant digits (at least two decimals below 10).</summary>
    public static string Micros(double us) => double.IsNaN(us) ? "–" : us switch
    {
        < 10 => us.ToString("0.00", Inv),
        < 100 => us.ToString("0.0", Inv),
        _ => us.ToString("#,0", Inv),
    };

    public static string MBps(double v) => double.IsNaN(v) ? "–" : v < 10 ? v.ToString("0.00", Inv) : v.ToString("#,0", Inv);

    public static string Ratio(double r) => double.IsNaN(r) || double.IsInfinity(r) ? "–" : r.ToString("0.00", Inv);

    public static string Ns(double ns) => double.IsNaN(ns) ? "–" : ns.ToString("0", Inv);
}
