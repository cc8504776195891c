using System.Diagnostics;
using HpcMsg.ScalingStudy;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Examples;

/// <summary>The speedup and efficiency arithmetic of tools/ScalingStudy.</summary>
public sealed class ScalingStudySummaryTests
{
    private static Measurement Run(ScalingMode mode, int ranks, int rep, double seconds) =>
        new("X", mode, ranks, rep, 100, seconds, Cores: 2, LoadAverage: 0.5);

    [Fact]
    public void Strong_scaling_speedup_is_T1_over_Tp_and_efficiency_speedup_over_p()
    {
        List<RankSummary> s = Results.Summarize(
        [
            Run(ScalingMode.Strong, 1, 1, 4.0), Run(ScalingMode.Strong, 1, 2, 4.4), Run(ScalingMode.Strong, 1, 3, 3.6),
            Run(ScalingMode.Strong, 2, 1, 2.5), Run(ScalingMode.Strong, 2, 2, 2.5),
            Run(ScalingMode.Strong, 4, 1, 2.0), Run(ScalingMode.Strong, 4, 2, 3.0),
        ]);
        Assert.Equal([1, 2, 4], s.Select(r => r.Ranks));
        Assert.Equal(4.0, s[0].Median, 12);
        Assert.Equal(1.6, s[1].Speedup, 12);
        Assert.Equal(0.8, s[1].Efficiency, 12);
        Assert.Equal(2.5, s[2].Median, 12);     // the mean of the middle two
        Assert.Equal(0.4, s[2].Efficiency, 12);
        Assert.True(s[2].Oversubscribed);
        Assert.False(s[1].Oversubscribed);
    }

    [Fact]
    public void Weak_scaling_efficiency_is_T1_over_Tp_and_speedup_p_times_that()
    {
        List<RankSummary> s = Results.Summarize([Run(ScalingMode.Weak, 1, 1, 1.0), Run(ScalingMode.Weak, 2, 1, 1.25)]);
        Assert.Equal(0.8, s[1].Efficiency, 12);
        Assert.Equal(1.6, s[1].Speedup, 12);
    }

    [Fact]
    public void Speedup_is_relative_to_the_smallest_rank_count_when_1_is_not_in_the_sweep()
    {
        List<RankSummary> s = Results.Summarize([Run(ScalingMode.Strong, 2, 1, 2.0), Run(ScalingMode.Strong, 4, 1, 1.0)]);
        Assert.Equal(2.0, s[0].Speedup, 12);
        Assert.Equal(4.0, s[1].Speedup, 12);
        Assert.Equal(1.0, s[1].Efficiency, 12);
    }

    [Theory]
    [InlineData(ScalingMode.Strong, 0.5, 4, 1000)]
    [InlineData(ScalingMode.Weak, 0.5, 4, 2000)]
    [InlineData(ScalingMode.Weak, 1.0 / 3, 8, 2000)]
    [InlineData(ScalingMode.Weak, 1, 3, 3000)]
    public void Weak_scaling_grows_the_size_by_p_to_the_exponent(ScalingMode mode, double exponent, int ranks, long expected) =>
        Assert.Equal(expected, ExampleProfile.SizeAt(mode, 1000, exponent, ranks));
}

/// <summary>The scaling command end to end: a tiny sweep of MonteCarlo writes its CSV files and plots.</summary>
[Collection(JobsCollection.Name)]
public sealed class ScalingStudyCommandTests(ITestOutputHelper log)
{
    [Fact]
    public async Task A_sweep_writes_the_runs_the_summary_and_three_plots()
    {
        string output = Path.Combine(Path.GetTempPath(), $"hpcmsg-scaling-{Guid.NewGuid():N}");
        try
        {
            var info = new ProcessStartInfo(BuildArtifacts.DotnetHost)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            string[] args =
            [
                Path.Combine(AppContext.BaseDirectory, "ScalingStudy.dll"),
                "--example", ExampleJob.ExampleDll("MonteCarlo"), "--no-build", "--hpcrun", BuildArtifacts.HpcRunDll,
                "--mode", "strong", "--ranks", "1,3", "--reps", "2", "--warmup", "0", "--size", "300000", "--cores", "2",
                "--timeout", "60", "--out", output,
            ];
            foreach (string a in args) info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
            bool exited = true;
            using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
            {
                try
                {
                    await process.WaitForExitAsync(limit.Token);
                }
                catch (OperationCanceledException)
                {
                    exited = false;
                    process.Kill(entireProcessTree: true);
                }
            }
            string text = $"{string.Join(' ', args)}\n--- stdout ---\n{await stdout}\n--- stderr ---\n{await stderr}";
            log.WriteLine(text);
            Assert.True(exited && process.ExitCode == 0, $"expected exit code 0\n{text}");

            string[] rows = File.ReadAllLines(Path.Combine(output, "MonteCarlo-strong.csv"));
            Assert.Equal("example,mode,ranks,rep,size,time_s,cores,oversubscribed,load_avg", rows[0]);
            Assert.Equal(5, rows.Length);
            Assert.All(rows.Skip(1), r => Assert.StartsWith("MonteCarlo,strong,", r, StringComparison.Ordinal));
            Assert.Equal(2, rows.Count(r => r.StartsWith("MonteCarlo,strong,3,", StringComparison.Ordinal) && r.Split(',')[7] == "1"));
            Assert.Equal(3, File.ReadAllLines(Path.Combine(output, "MonteCarlo-strong-summary.csv")).Length);
            foreach (string plot in new[] { "time", "speedup", "efficiency" })
            {
                byte[] png = File.ReadAllBytes(Path.Combine(output, $"MonteCarlo-strong-{plot}.png"));
                Assert.True(png.Length > 10_000 && png.AsSpan(1, 3).SequenceEqual("PNG"u8), $"{plot}.png is not a plausible PNG ({png.Length} bytes)");
            }
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }
}
