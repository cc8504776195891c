using System.Globalization;
using System.Text.RegularExpressions;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>
/// The measurement scenarios run, verify their payloads, and print a figure that is physically
/// possible and consistent with the job's own duration: the timed work the figure implies cannot
/// take longer than the whole job took, and no message moves faster than a memory bus could carry
/// it. Speed itself is not asserted (benchmarks measure it); a wrong formula (units, a missing
/// factor of the iterations or the window) is what these catch.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed partial class MeasurementTests(ITestOutputHelper log)
{
    /// <summary>No copy between two processes beats 1 TB/s, nor a one-way message 10 ns.</summary>
    private const double FastestBytesPerSecond = 1e12, FastestOneWayUs = 0.01;

    [Theory]
    [InlineData(8, 2000)]
    [InlineData(1048576, 20)]
    public void Pingpong_prints_a_latency_consistent_with_the_jobs_duration(int bytes, int iters)
    {
        JobResult result = ScenarioJob.Passes(log, 2, "pingpong", Text(bytes), Text(iters));
        double us = Number(result, LatencyLine());
        log.WriteLine($"pingpong {bytes} B: {us} us one-way");
        double floorUs = Math.Max(FastestOneWayUs, bytes / FastestBytesPerSecond * 1e6);
        Assert.True(us >= floorUs, $"a one-way latency of {us} us for {bytes} B is below the physical floor of {floorUs} us\n{result}");
        // Five timed batches of iters round trips, two messages each, all inside the job.
        double timedUs = us * 2 * iters * 5;
        Assert.True(timedUs <= result.Elapsed.TotalMicroseconds,
            $"the latency implies {timedUs / 1e6:F3} s of timed round trips, longer than the whole job ({result.Elapsed.TotalSeconds:F3} s)\n{result}");
    }

    [Fact]
    public void Bandwidth_prints_a_rate_consistent_with_the_jobs_duration()
    {
        const int bytes = 1048576, window = 8, iters = 5;
        JobResult result = ScenarioJob.Passes(log, 2, "bandwidth", Text(bytes), Text(window), Text(iters));
        double mbs = Number(result, BandwidthLine());
        log.WriteLine($"bandwidth 1 MiB x 8: {mbs} MB/s");
        Assert.True(mbs > 0 && mbs * 1e6 <= FastestBytesPerSecond, $"a rate of {mbs} MB/s is not physically possible\n{result}");
        double timedSeconds = (double)bytes * window * iters / (mbs * 1e6);
        Assert.True(timedSeconds <= result.Elapsed.TotalSeconds,
            $"the rate implies {timedSeconds:F3} s of timed transfers, longer than the whole job ({result.Elapsed.TotalSeconds:F3} s)\n{result}");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

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
