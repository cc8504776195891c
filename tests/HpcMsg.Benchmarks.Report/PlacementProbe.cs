using System.Globalization;
using System.Text.RegularExpressions;

namespace HpcMsg.Benchmarks.Report;

/// <summary>
/// The core-to-core cache-line ping-pong (tests/HpcMsg.Benchmarks.Native/c2c.c) between cpu 0 and
/// cpu 1, run just before every run of the suite: the host moves this VM's two vCPUs between a near
/// placement (~80 ns a round trip) and a far one (~450 ns), and small-message latency follows it.
/// The value kept is the fastest of 41 short batches, which other work on the machine cannot inflate.
/// </summary>
public static partial class PlacementProbe
{
    /// <summary>Round trips above this are counted as the far placement.</summary>
    public const double FarThresholdNs = 200;

    [GeneratedRegex(@"c2c_ns\s+([0-9.]+)")]
    private static partial Regex Line();

    public static double Measure(string exe)
    {
        ProcessRunner.Result r = ProcessRunner.Run(exe, [], TimeSpan.FromSeconds(30));
        Match m = Line().Match(r.Stdout);
        if (r.ExitCode != 0 || !m.Success)
            throw new ReportException($"the placement probe {exe} failed (exit {r.ExitCode}): {r.Stdout}{r.Stderr}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    public static string Classify(double ns) => double.IsNaN(ns) ? "?" : ns > FarThresholdNs ? "far" : "near";

    /// <summary>A run's placement from the probes before and after it: near or far when they agree,
    /// "mixed" when the host moved the vCPUs in between (such runs count in no placement's median).</summary>
    public static string Classify(double before, double after)
    {
        string a = Classify(before), b = Classify(after);
        return b == "?" || a == b ? a : a == "?" ? b : "mixed";
    }
}
