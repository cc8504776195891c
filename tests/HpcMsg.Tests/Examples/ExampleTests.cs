using System.Text.RegularExpressions;
using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Examples;

/// <summary>
/// Every example of examples/ at 1 and 4 ranks with small sizes: each checks its own answer (against
/// a serial run on rank 0, which these sizes switch on, and an exact or analytic result) and must
/// print its OK line and exit 0.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed partial class ExampleTests(ITestOutputHelper log)
{
    /// <summary>Small sizes (a second or less of work); uneven on purpose, so that blocks differ in size.</summary>
    private static readonly Dictionary<string, string[]> SmallArgs = new()
    {
        ["Jacobi2D"] = ["--n", "97", "--iters", "60", "--check-every", "7"],
        ["NBody"] = ["--n", "301", "--steps", "20"],
        ["MatMul"] = ["--n", "150", "--panel", "32"],
        ["SampleSort"] = ["--n", "200003"],
        ["MonteCarlo"] = ["--samples", "2000003"],
        ["Hello"] = [],
        ["PingPong"] = [],
    };

    public static TheoryData<string, int> Cases()
    {
        var cases = new TheoryData<string, int>();
        foreach (string example in SmallArgs.Keys)
        {
            cases.Add(example, 1);
            cases.Add(example, 4);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Example_verifies_its_answer(string example, int np) =>
        ExampleJob.AssertVerified(ExampleJob.Run(log, example, np, SmallArgs[example]), example);

    /// <summary>The MPI.NET ports print what their originals print, one greeting per rank and one pong per peer.</summary>
    [Fact]
    public void The_MPI_NET_ports_print_what_their_originals_print()
    {
        JobResult hello = ExampleJob.Run(log, "Hello", 3);
        ExampleJob.AssertVerified(hello, "Hello");
        for (int rank = 0; rank < 3; rank++)
            Assert.True(hello.Stdout.Contains($"Hello, World! from rank {rank} of 3 (running on ", StringComparison.Ordinal), $"no greeting from rank {rank}\n{hello}");

        JobResult ping = ExampleJob.Run(log, "PingPong", 3);
        ExampleJob.AssertVerified(ping, "PingPong");
        for (int rank = 1; rank < 3; rank++)
            Assert.True(ping.Stdout.Contains($"Pinging process with rank {rank}... Pong!", StringComparison.Ordinal), $"no pong from rank {rank}\n{ping}");
    }

    [Fact]
    public void SampleSort_is_right_with_many_repeated_keys() =>
        ExampleJob.AssertVerified(ExampleJob.Run(log, "SampleSort", 3, "--n", "100000", "--key-range", "10"), "SampleSort");

    [GeneratedRegex(@"\((\d+) of (\d+) points inside")]
    private static partial Regex HitCount();

    [Fact]
    public void MonteCarlo_counts_the_same_hits_for_a_seed_whatever_the_rank_count()
    {
        string[] args = ["--samples", "1000003", "--seed", "99"];
        JobResult one = ExampleJob.Run(log, "MonteCarlo", 1, args);
        JobResult three = ExampleJob.Run(log, "MonteCarlo", 3, args);
        ExampleJob.AssertVerified(one, "MonteCarlo");
        ExampleJob.AssertVerified(three, "MonteCarlo");
        Match a = HitCount().Match(one.Stdout), b = HitCount().Match(three.Stdout);
        Assert.True(a.Success && b.Success, $"expected '(H of N points inside' in both outputs\n{one}\n{three}");
        Assert.Equal(a.Groups[1].Value, b.Groups[1].Value);
    }

    [Fact]
    public void An_example_whose_check_fails_says_so_and_exits_non_zero()
    {
        // No energy change is below a negative bound.
        JobResult result = ExampleJob.Run(log, "NBody", 2, "--n", "64", "--steps", "3", "--max-drift", "-1");
        JobAssert.ExitedWith(result, 1);
        Assert.True(result.Stdout.Split('\n').Any(l => l.StartsWith("NBody FAILED: ", StringComparison.Ordinal)), $"expected a line starting 'NBody FAILED: '\n{result}");
    }

    [Fact]
    public void A_bad_option_is_a_usage_error()
    {
        JobResult result = ExampleJob.Run(log, "Jacobi2D", 1, "--n", "ten");
        JobAssert.ExitedWith(result, 2);
        JobAssert.StderrHasLineWith(result, "--n", "not an integer");
    }
}
