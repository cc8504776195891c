using System.Diagnostics.CodeAnalysis;
using System.Text;
using HpcMsg.TestApp.Ofi;
using HpcMsg.TestApp.Scenarios;

namespace HpcMsg.TestApp;

/// <summary>Every scenario the test app knows, by name.</summary>
internal static class ScenarioCatalog
{
    private static readonly IScenario[] All =
    [
        new BasicScenario(),
        new SizesScenario(),
        new BurstScenario(),
        new StreamScenario(),
        new FanInScenario(),
        new NonBlockingScenario(),
        new TruncateScenario(),
        new ArgumentErrorsScenario(),
        new ObjectsScenario(),
        new TypedObjectsScenario(),
        new DupScenario(),
        new DupCyclesScenario(),
        new ExitScenario(),
        new AbortScenario(),
        new ThrowScenario(),
        new SigKillScenario(),
        new PeerFailScenario(),
        new HangScenario(),
        new PingPongScenario(),
        new BandwidthScenario(),
        new CollectivesScenario(),
        new HugeMessageScenario(),
        new StrangerScenario(),
        new BarrierScenario(),
        new NodeSlotsScenario(),
        new WarmUpScenario(),
        new SingletonScenario(),
        new DifferentialScenario(),
        new LargePathsScenario(),
        new OfiPingPongScenario(),
        new NeighbourScenario(),
        new HostnamesScenario(),
        new FabricScenario(),
    ];

    public static bool TryGet(string name, [NotNullWhen(true)] out IScenario? scenario)
    {
        scenario = All.FirstOrDefault(s => s.Name == name);
        return scenario is not null;
    }

    public static string Usage(string? unknown)
    {
        var text = new StringBuilder();
        if (unknown is not null) text.AppendLine($"unknown scenario '{unknown}'");
        text.AppendLine("usage: HpcMsg.TestApp.dll <scenario> [args]; scenarios:");
        foreach (IScenario s in All) text.AppendLine($"  {s.Name} {s.Arguments}".TrimEnd());
        return text.ToString();
    }
}
