namespace HpcMsg.TestApp.Support;

/// <summary>
/// The communicator a scenario runs on, chosen by TESTAPP_COMMUNICATOR: "world" (or unset), "dup" (a
/// Dup of the world: same ranks, its own context) or "split" (one color, key = -rank: the same ranks in
/// reverse order, so a rank that the library reported in world numbering instead of the communicator's
/// own, e.g. a wildcard receive's Status.Source, fails the scenario's checks).
/// </summary>
internal static class ScenarioCommunicator
{
    public const string Variable = "TESTAPP_COMMUNICATOR";

    public static Communicator Create(Communicator world)
    {
        string kind = Environment.GetEnvironmentVariable(Variable) ?? "world";
        switch (kind)
        {
            case "" or "world":
                return world;
            case "dup":
                return world.Dup();
            case "split":
                Communicator reversed = world.Split(0, -world.Rank)
                    ?? throw new ScenarioFailedException("Split with color 0 returned no communicator");
                Check.Equal(world.Size - 1 - world.Rank, reversed.Rank, "rank in the reversed Split");
                return reversed;
            default:
                throw new ScenarioFailedException($"{Variable}='{kind}' is not one of world, dup, split");
        }
    }
}
