using System.Diagnostics;
using System.Globalization;
using System.Text;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Differential test of every collective (issue 15): per seed, a sequence of random cases (the same on
/// every rank), each one collective of the public API, in one of its forms (span, in place, scalar),
/// under one of the algorithms it can take (forced, or reached by a moved threshold), on one element
/// type (byte, int, long, float, double, or a padded struct of 12, 16 or 24 bytes) with one op
/// (predefined, or user-defined commutative or not), one count (0, 1, around the power-of-two block
/// splits and every size threshold), one root, and one communicator (the world, a Dup, a Split whose
/// keys reverse the rank order, and halves of such a Split). Every result is compared with a serial
/// computation in rank order (see <see cref="DifferentialRunner"/>).
/// Args: [--seed N[,N...]] [--cases N] [--minutes M] [--case I] [--trace] [--require-coverage].
/// Without --seed rank 0 draws a fresh seed; with --minutes it keeps drawing fresh seeds until M
/// minutes have passed (rank 0 decides and tells the others). --case runs one case of the seed only;
/// --trace prints each case before it runs (rank 0); --require-coverage fails the job if its seeds
/// missed anything <see cref="DifferentialCoverage"/> tracks.
/// </summary>
internal sealed class DifferentialScenario : IScenario
{
    public const int DefaultCases = 300;

    public string Name => "differential";

    public string Arguments => "[--seed N[,N...]] [--cases N] [--minutes M] [--case I] [--trace] [--require-coverage]";

    public Task RunAsync(Communicator world, string[] args)
    {
        Options options = Options.Parse(args);
        DifferentialTypes.CheckLayouts();
        ThrowOnDebugAssert();

        using Communicator dup = world.Dup();
        using Communicator reversed = world.Split(0, -world.Rank)!;
        using Communicator halves = world.Split(world.Rank % 2, -world.Rank)!;
        Check.Equal(world.Size - 1 - world.Rank, reversed.Rank, "rank in the Split with key = -rank");
        CaseCommunicator[] comms =
        [
            new("world", world), new("dup", dup), new("split(key=-rank)", reversed), new("split(color=rank%2,key=-rank)", halves),
        ];
        long[] thresholds = DifferentialCase.Thresholds(world);
        var coverage = new DifferentialCoverage(world.Size, comms.Select(c => c.Name));

        var clock = Stopwatch.StartNew();
        int casesRun = 0;
        var seeds = new List<ulong>();
        for (int round = 0; ; round++)
        {
            // Rank 0 decides the next seed, or -1 to stop, so that every rank agrees when a soak ends.
            long next = -1;
            if (world.Rank == 0)
            {
                if (round < options.Seeds.Count) next = options.Seeds[round];
                else if ((round == 0 && options.Seeds.Count == 0) || clock.Elapsed.TotalMinutes < options.Minutes)
                    next = Random.Shared.NextInt64(1, 1_000_000_000_000);
            }
            DifferentialSettings.Reset(world);
            next = world.Broadcast(next, 0);
            if (next < 0) break;
            ulong seed = (ulong)next;
            string rerunSeed = Rerun(world, options, seed, null);
            if (world.Rank == 0)
                Console.WriteLine($"differential: np={world.Size} seed={seed} cases={options.Cases}; rerun: {rerunSeed}");

            var runner = new DifferentialRunner(seed, comms, thresholds,
                c => $"rerun this seed: {rerunSeed}\nrerun this case alone: {Rerun(world, options, seed, c.Index)}");
            foreach (DifferentialCase c in DifferentialCase.DrawAll(seed, world.Size, options.Cases, comms.Length))
            {
                if (options.OnlyCase is int only && c.Index != only) continue;
                if (options.Trace && world.Rank == 0) Console.WriteLine($"case {c.Index}: {c}");
                runner.Run(c);
                coverage.Record(c, runner, comms[c.Comm].Name);
                casesRun++;
            }
            seeds.Add(seed);
        }
        world.Barrier();
        if (world.Rank == 0)
            Console.WriteLine($"differential: np={world.Size}: {seeds.Count} seed(s), {casesRun} cases passed in {clock.Elapsed.TotalSeconds:F1} s; {coverage.Summary}");
        if (options.RequireCoverage) coverage.Require(seeds);
        return Task.CompletedTask;
    }

    /// <summary>The one command that reruns <paramref name="seed"/> (or one case of it) as this job
    /// ran it: same rank count, same case count, the same HPCMSG_ tuning from the environment.</summary>
    private static string Rerun(Communicator world, Options options, ulong seed, int? caseIndex)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var text = new StringBuilder($"./hpcrun -n {world.Size} --oversubscribe");
        foreach (string name in TuningVariables())
            text.Append(CultureInfo.InvariantCulture, $" -x {name}={Environment.GetEnvironmentVariable(name)}");
        text.Append(CultureInfo.InvariantCulture, $" tests/HpcMsg.TestApp/bin/{configuration}/net10.0/HpcMsg.TestApp.dll differential --seed {seed}");
        if (options.Cases != DefaultCases) text.Append(CultureInfo.InvariantCulture, $" --cases {options.Cases}");
        if (caseIndex is int i) text.Append(CultureInfo.InvariantCulture, $" --case {i}");
        if (int.TryParse(Environment.GetEnvironmentVariable("HPCMSG_NODES"), out int nodes) && nodes > 1)
            text.Append(CultureInfo.InvariantCulture, $"   (this job ran on {nodes} hosts: add the same --host/--hostfile)");
        return text.ToString();
    }

    /// <summary>The HPCMSG_ variables that change what the library does (set with hpcrun -x), as
    /// opposed to those hpcrun sets for each rank (rank, size, segment, rendezvous, secret, ...).</summary>
    private static IEnumerable<string> TuningVariables()
    {
        string[] exact = ["HPCMSG_SHM_CMA", "HPCMSG_SPIN_US", "HPCMSG_YIELDS", "HPCMSG_SLEEP_US", "HPCMSG_ASYMMETRIC_FENCE"];
        return Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(n => exact.Contains(n) || (n.StartsWith("HPCMSG_", StringComparison.Ordinal) &&
                (n.StartsWith("HPCMSG_COLL_", StringComparison.Ordinal) || n.EndsWith("_BYTES", StringComparison.Ordinal) ||
                 n.EndsWith("_RANKS", StringComparison.Ordinal) || n.EndsWith("_LIMIT", StringComparison.Ordinal))))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>The library's Debug.Assert (Debug builds) would end the process with no word of the
    /// case; as an exception it reaches the case's message like any other failure.</summary>
    private static void ThrowOnDebugAssert()
    {
        Trace.Listeners.Clear();
        Trace.Listeners.Add(new AssertThrows());
    }

    private sealed class AssertThrows : TraceListener
    {
        public override void Fail(string? message, string? detailMessage) =>
            throw new InvalidOperationException($"Debug.Assert failed in the library: {message} {detailMessage}");

        public override void Write(string? message) { }

        public override void WriteLine(string? message) { }
    }

    private sealed record Options(List<long> Seeds, int Cases, double Minutes, int? OnlyCase, bool Trace, bool RequireCoverage)
    {
        public static Options Parse(string[] args)
        {
            var seeds = new List<long>();
            int cases = DefaultCases;
            double minutes = 0;
            int? only = null;
            bool trace = false, requireCoverage = false;
            for (int i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ScenarioFailedException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--seed":
                        foreach (string s in Value().Split(',', StringSplitOptions.RemoveEmptyEntries))
                        {
                            if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seed) || seed < 0)
                                Check.Fail($"--seed: '{s}' is not a non-negative integer");
                            seeds.Add(seed);
                        }
                        break;
                    case "--cases":
                        cases = ScenarioArgs.Int([Value()], 0, "cases");
                        Check.True(cases >= 0, "--cases must be >= 0");
                        break;
                    case "--minutes":
                        if (!double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out minutes) || minutes < 0)
                            Check.Fail("--minutes must be a non-negative number");
                        break;
                    case "--case":
                        only = ScenarioArgs.Int([Value()], 0, "case");
                        break;
                    case "--trace":
                        trace = true;
                        break;
                    case "--require-coverage":
                        requireCoverage = true;
                        break;
                    default:
                        Check.Fail($"unknown argument '{args[i]}'; expected --seed N[,N...], --cases N, --minutes M, --case I, --trace, --require-coverage");
                        break;
                }
            }
            return new Options(seeds, cases, minutes, only, trace, requireCoverage);
        }
    }
}
