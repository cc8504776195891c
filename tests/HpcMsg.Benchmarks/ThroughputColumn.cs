using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace HpcMsg.Benchmarks;

/// <summary>
/// "GB/s": the benchmark's <c>Bytes</c> parameter divided by its mean time, i.e. the rate at which one
/// operand buffer is reduced (10^9 bytes a second); "Best GB/s" divides by the fastest iteration, which
/// says more on a shared, noisy machine. Memory traffic is three times that for an in-place reduction:
/// both operands read, the result written.
/// </summary>
public sealed class ThroughputColumn : IColumn
{
    public static readonly ThroughputColumn Instance = new(best: false);
    public static readonly ThroughputColumn Best = new(best: true);

    private readonly bool _best;

    private ThroughputColumn(bool best) => _best = best;

    public string Id => nameof(ThroughputColumn) + (_best ? ".Best" : "");
    public string ColumnName => _best ? "Best GB/s" : "GB/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => _best ? 1 : 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => _best
        ? "As GB/s, from the fastest iteration"
        : "Operand bytes reduced per second from the mean, 10^9 B/s (memory traffic is 3x: two reads, one write)";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        double? meanNs = _best ? statistics?.Min : statistics?.Mean;
        object? bytes = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Bytes")?.Value;
        if (meanNs is not > 0 || bytes is null) return "-";
        return (Convert.ToDouble(bytes, System.Globalization.CultureInfo.InvariantCulture) / meanNs.Value)
            .ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
    }

    public override string ToString() => ColumnName;
}
