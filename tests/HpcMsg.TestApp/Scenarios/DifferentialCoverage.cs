using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// What the cases of a job reached, against everything they can reach: each collective under each
/// of its settings, each in-place form, each type with each of its ops in a reduction, each
/// communicator, each root of the world. With --require-coverage a job whose seeds missed any of
/// these fails, naming them, so that a fixed seed set is known to cover the whole space at its rank
/// count, not just hoped to.
/// </summary>
internal sealed class DifferentialCoverage
{
    private readonly HashSet<string> _wanted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public DifferentialCoverage(int worldSize, IEnumerable<string> comms)
    {
        foreach (Collective c in Enum.GetValues<Collective>())
        {
            foreach (AlgorithmSetting s in DifferentialSettings.For(c)) _wanted.Add(SettingKey(c, s.Name));
            if (DifferentialCase.HasInPlaceForm(c)) _wanted.Add(InPlaceKey(c));
        }
        foreach (IElementKind kind in DifferentialTypes.All)
            for (int op = 0; op < kind.OpCount; op++) _wanted.Add(OpKey(kind.Name, kind.OpName(op)));
        foreach (string comm in comms) _wanted.Add(CommKey(comm));
        for (int root = 0; root < worldSize; root++) _wanted.Add(RootKey(root));
    }

    public void Record(DifferentialCase c, DifferentialRunner run, string comm)
    {
        _seen.Add(SettingKey(c.Collective, run.Setting));
        if (c.InPlace) _seen.Add(InPlaceKey(c.Collective));
        if (run.OpName != "-") _seen.Add(OpKey(DifferentialTypes.All[c.Type].Name, run.OpName));
        _seen.Add(CommKey(comm));
        if (c.Comm == 0 && run.Root >= 0) _seen.Add(RootKey(run.Root));
    }

    public void Require(IEnumerable<ulong> seeds)
    {
        string[] missing = _wanted.Where(k => !_seen.Contains(k)).Order(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
            Check.Fail($"differential: seeds {string.Join(',', seeds)} missed {missing.Length} of {_wanted.Count} things to cover: " +
                       $"{string.Join("; ", missing)} (run more cases or other seeds)");
    }

    public string Summary => $"{_seen.Count(_wanted.Contains)} of {_wanted.Count} covered";

    private static string SettingKey(Collective c, string setting) => $"{c} [{setting}]";
    private static string InPlaceKey(Collective c) => $"{c} in place";
    private static string OpKey(string type, string op) => $"{type} {op}";
    private static string CommKey(string comm) => $"comm {comm}";
    private static string RootKey(int root) => $"world root {root}";
}
