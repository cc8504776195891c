using System.Text.RegularExpressions;

namespace HpcMsg.Tests.Infrastructure;

/// <summary>Assertions on a finished job; their messages carry the whole job description.</summary>
public static class JobAssert
{
    /// <summary>Exit status 0 and rank 0's "OK &lt;scenario&gt;" line.</summary>
    public static void Succeeded(JobResult result, string scenario)
    {
        Assert.True(result.ExitCode == 0, $"expected exit code 0\n{result}");
        Assert.True(result.Stdout.Split('\n').Any(l => l.Trim() == $"OK {scenario}"), $"expected the line 'OK {scenario}' on stdout\n{result}");
    }

    public static void ExitedWith(JobResult result, int code)
    {
        Assert.True(result.ExitCode == code, $"expected exit code {code}, got {result.ExitCode}\n{result}");
    }

    public static void FinishedWithin(JobResult result, TimeSpan limit)
    {
        Assert.True(result.Elapsed < limit, $"expected the job to end within {limit.TotalSeconds:F0} s\n{result}");
    }

    /// <summary>Some line of stderr contains every one of <paramref name="fragments"/> (case-insensitive).</summary>
    public static void StderrHasLineWith(JobResult result, params string[] fragments)
    {
        bool found = result.Stderr.Split('\n').Any(line => fragments.All(f => line.Contains(f, StringComparison.OrdinalIgnoreCase)));
        Assert.True(found, $"expected a stderr line containing all of [{string.Join(", ", fragments.Select(f => $"'{f}'"))}]\n{result}");
    }

    /// <summary>hpcrun's verdict: one stderr line naming the failed rank, this host, and each of
    /// <paramref name="words"/> as a whole word (e.g. the exit code, or "signal" and "9").</summary>
    public static void StderrNamesFailedRank(JobResult result, int rank, params string[] words) =>
        StderrNamesFailedRankOnHost(result, rank, Environment.MachineName, words);

    /// <summary>As <see cref="StderrNamesFailedRank"/>, for a rank on <paramref name="host"/> (a job over several hosts).</summary>
    public static void StderrNamesFailedRankOnHost(JobResult result, int rank, string host, params string[] words)
    {
        var rankWords = new Regex($@"\brank {rank}\b", RegexOptions.IgnoreCase);
        Regex[] others = [.. words.Select(w => new Regex($@"\b{Regex.Escape(w)}\b", RegexOptions.IgnoreCase))];
        bool found = result.Stderr.Split('\n').Any(line =>
            rankWords.IsMatch(line)
            && line.Contains(host, StringComparison.OrdinalIgnoreCase)
            && others.All(p => p.IsMatch(rankWords.Replace(line, "", 1)))); // "rank 3" does not count as code 3
        Assert.True(found, $"expected a stderr line naming rank {rank}, host {host} and [{string.Join(", ", words)}]\n{result}");
    }
}
