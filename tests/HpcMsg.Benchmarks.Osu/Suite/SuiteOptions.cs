using System.Globalization;

namespace HpcMsg.Benchmarks.Osu.Suite;

/// <summary>
/// The command line, the same for all three programs:
/// <c>&lt;bench&gt;[,&lt;bench&gt;...] [--quick] [--budget S] [--warmup S] [--max-size BYTES]</c>, where a bench is
/// latency, bw, bibw, barrier, bcast, reduce, allreduce, scatter, gather, allgather, alltoall, or
/// the groups p2p, coll and all.
/// </summary>
public sealed class SuiteOptions
{
    public const string Usage =
        "usage: <latency|bw|bibw|barrier|bcast|reduce|allreduce|scatter|gather|allgather|alltoall|p2p|coll|all>[,...] " +
        "[--quick] [--budget SECONDS] [--warmup SECONDS] [--max-size BYTES]";

    public List<Bench> Benchmarks { get; } = [];
    public bool Quick { get; private set; }
    public double BudgetSeconds { get; private set; } = -1;
    public double WarmupSeconds { get; private set; } = -1;
    public long MaxSize { get; private set; } = -1;

    /// <summary>Parses the arguments; null and a message when they are wrong.</summary>
    public static SuiteOptions? Parse(string[] args, out string? error)
    {
        var o = new SuiteOptions();
        string? list = null;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            bool hasValue = i + 1 < args.Length;
            if (a == "--quick") o.Quick = true;
            else if (a == "--budget" && hasValue) o.BudgetSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (a == "--warmup" && hasValue) o.WarmupSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (a == "--max-size" && hasValue) o.MaxSize = long.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (!a.StartsWith('-') && list is null) list = a;
            else
            {
                error = $"unknown argument '{a}'\n{Usage}";
                return null;
            }
        }
        if (list is null)
        {
            error = Usage;
            return null;
        }
        var selected = new HashSet<Bench>();
        foreach (string name in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            bool found = false;
            if (name is "all" or "p2p")
            {
                selected.UnionWith(Enum.GetValues<Bench>().Where(SuiteSpec.IsPointToPoint));
                found = true;
            }
            if (name is "all" or "coll")
            {
                selected.UnionWith(Enum.GetValues<Bench>().Where(b => !SuiteSpec.IsPointToPoint(b)));
                found = true;
            }
            foreach (Bench b in Enum.GetValues<Bench>())
            {
                if (SuiteSpec.Name(b) == name)
                {
                    selected.Add(b);
                    found = true;
                }
            }
            if (!found)
            {
                error = $"unknown benchmark '{name}'\n{Usage}";
                return null;
            }
        }
        o.Benchmarks.AddRange(selected.Order());
        if (o.BudgetSeconds < 0) o.BudgetSeconds = o.Quick ? 0.2 : 2.0;
        if (o.WarmupSeconds < 0) o.WarmupSeconds = o.Quick ? 0.2 : 0.5;
        return o;
    }
}
