using System.Globalization;
using System.Text.RegularExpressions;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>The measurement scenarios run and print their one number (speed is not asserted).</summary>
[Collection(JobsCollection.Name)]
public sealed partial class MeasurementTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("8", "2000")]
    [InlineData("1048576", "20")]
    public void Pingpong_prints_a_latency(string bytes, string iters)
    {
        JobResult result = ScenarioJob.Passes(log, 2, "pingpong", bytes, iters);
        double us = Number(result, LatencyLine());
        log.WriteLine($"pingpong {bytes} B: {us} us one-way");
        Assert.True(us > 0, $"latency must be positive\n{result}");
    }

    [Fact]
    public void Bandwidth_prints_a_rate()
    {
        JobResult result = ScenarioJob.Passes(log, 2, "bandwidth", "1048576", "8", "5");
        double mbs = Number(result, BandwidthLine());
        log.WriteLine($"bandwidth 1 MiB x 8: {mbs} MB/s");
        Assert.True(mbs > 0, $"bandwidth must be positive\n{result}");
    }

    private static double Number(JobResult result, Regex line)
    {
        Match m = line.Match(result.Stdout);
        Assert.True(m.Success, $"expected a line matching {line}\n{result}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^LATENCY_US ([0-9.]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex LatencyLine();

    [GeneratedRegex(@"^BANDWIDTH_MBS ([0-9.]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex BandwidthLine();
}
