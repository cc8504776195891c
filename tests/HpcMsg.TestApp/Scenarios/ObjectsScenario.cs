using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// SendObject/RecvObject: rank 0 sends a set of objects (string, int[], List with a null, both
/// dictionary kinds, a record with a nested list and a null member, a plain class, null itself,
/// empty collections, and with 2+ ranks one large enough for the rendezvous path) to every other
/// rank, which checks each field and replies; rank 0 collects the replies with AnySource and
/// checks Status.Source and Tag. A lone rank sends the small objects to itself. Then a record goes to
/// every rank through BroadcastObject.
/// </summary>
internal sealed class ObjectsScenario : IScenario
{
    private const int ReplyTag = 99;

    public string Name => "objects";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        bool large = world.Size > 1; // a large blocking send to oneself could not complete
        if (world.Rank == 0)
        {
            for (int dest = 0; dest < world.Size; dest++)
            {
                if (dest != 0 || world.Size == 1) SendSet(world, dest, large);
            }
        }
        if (world.Rank != 0 || world.Size == 1)
        {
            ReceiveSet(world, large);
            world.SendObject(new Reply(world.Rank, $"from {world.Rank} ✓", [world.Rank, 1, 2]), 0, ReplyTag);
        }
        if (world.Rank == 0) CollectReplies(world);

        int root = world.Size - 1;
        Team team = world.BroadcastObject(world.Rank == root ? MakeTeam(root) : null!, root);
        Check.Equal($"team {root}", team.Name, "BroadcastObject: Name");
        Check.Equal(2, team.Members.Count, "BroadcastObject: Members.Count");
        Check.SequenceEqual<int>([3, 1, 4, 1, 5], team.Scores!, "BroadcastObject: Scores");
        return Task.CompletedTask;
    }

    private static string Text(int dest) => $"héllo wörld ✓ 🚀 \"quoted\" \\ {dest}";
    private static int[] Ints => [1, -2, int.MaxValue, int.MinValue, 0];
    private static List<string?> ListWithNull => ["a", null, "", "c"];
    private static Dictionary<string, int> ByName => new() { ["one"] = 1, ["two"] = 2, ["ü"] = -3 };
    private static Dictionary<int, double[]> ByNumber => new() { [1] = [0.1, 1e-300, -2.5], [-7] = [], [42] = [Math.PI, double.MaxValue] };

    private static Team MakeTeam(int dest) => new(
        $"team {dest}",
        [new Member("ann", 31, ["lead", "c#"]), new Member("bob", 42, [])],
        Captain: null,
        Scores: [3, 1, 4, 1, 5]);

    private static Settings MakeSettings() => new()
    {
        Name = "outer",
        Count = 3,
        Values = [1.5, -0.0, 2e10],
        Child = new Settings { Name = "inner", Count = -1, Values = null, Child = null },
        Notes = null,
    };

    private static Dictionary<int, double[]> Large() =>
        Enumerable.Range(0, 4).ToDictionary(k => k, k => Enumerable.Range(0, 2000).Select(i => k + i / 3.0).ToArray());

    private static void SendSet(Communicator world, int dest, bool large)
    {
        world.SendObject(Text(dest), dest, 1);
        world.SendObject(Ints, dest, 2);
        world.SendObject(ListWithNull, dest, 3);
        world.SendObject(ByName, dest, 4);
        world.SendObject(ByNumber, dest, 5);
        world.SendObject(MakeTeam(dest), dest, 6);
        world.SendObject(MakeSettings(), dest, 7);
        world.SendObject<string?>(null, dest, 8);
        world.SendObject(new List<int>(), dest, 9);
        world.SendObject("", dest, 10);
        if (large) world.SendObject(Large(), dest, 11);
    }

    private static void ReceiveSet(Communicator world, bool large)
    {
        int me = world.Rank;
        Check.Equal(Text(me), world.RecvObject<string>(0, 1), "string");
        Check.SequenceEqual<int>(Ints, world.RecvObject<int[]>(0, 2), "int[]");
        Check.SequenceEqual<string?>([.. ListWithNull], [.. world.RecvObject<List<string?>>(0, 3)], "List<string> with a null");
        CheckDictionary(ByName, world.RecvObject<Dictionary<string, int>>(0, 4));
        CheckDictionary(ByNumber, world.RecvObject<Dictionary<int, double[]>>(0, 5), "Dictionary<int, double[]>");
        CheckTeam(MakeTeam(me), world.RecvObject<Team>(0, 6));
        CheckSettings(MakeSettings(), world.RecvObject<Settings>(0, 7), "Settings");
        Check.Equal(null, world.RecvObject<string?>(0, 8), "null");
        Check.Equal(0, world.RecvObject<List<int>>(0, 9).Count, "empty List<int>");
        Check.Equal("", world.RecvObject<string>(0, 10), "empty string");
        if (large) CheckDictionary(Large(), world.RecvObject<Dictionary<int, double[]>>(0, 11, out Status status), "large dictionary");
    }

    private static void CollectReplies(Communicator world)
    {
        var seen = new HashSet<int>();
        int expected = world.Size == 1 ? 1 : world.Size - 1;
        for (int k = 0; k < expected; k++)
        {
            Reply reply = world.RecvObject<Reply>(Communicator.AnySource, ReplyTag, out Status status);
            Check.Equal(reply.Rank, status.Source, "RecvObject(AnySource, out status): Status.Source");
            Check.Equal(ReplyTag, status.Tag, "RecvObject(AnySource, out status): Status.Tag");
            Check.True(status.ByteCount > 0, "RecvObject status: ByteCount");
            Check.Equal($"from {reply.Rank} ✓", reply.Text, "Reply.Text");
            Check.SequenceEqual<int>([reply.Rank, 1, 2], [.. reply.Seen], "Reply.Seen");
            Check.True(seen.Add(reply.Rank), $"a second reply from rank {reply.Rank}");
        }
    }

    private static void CheckDictionary(Dictionary<string, int> expected, Dictionary<string, int> actual)
    {
        Check.Equal(expected.Count, actual.Count, "Dictionary<string, int>.Count");
        foreach ((string key, int value) in expected)
        {
            Check.True(actual.TryGetValue(key, out int got), $"Dictionary<string, int>: key '{key}' missing");
            Check.Equal(value, got, $"Dictionary<string, int>['{key}']");
        }
    }

    private static void CheckDictionary(Dictionary<int, double[]> expected, Dictionary<int, double[]> actual, string what)
    {
        Check.Equal(expected.Count, actual.Count, $"{what}.Count");
        foreach ((int key, double[] value) in expected)
        {
            Check.True(actual.TryGetValue(key, out double[]? got), $"{what}: key {key} missing");
            Check.SequenceEqual<double>(value, got, $"{what}[{key}]");
        }
    }

    private static void CheckTeam(Team expected, Team actual)
    {
        Check.Equal(expected.Name, actual.Name, "Team.Name");
        Check.Equal(expected.Members.Count, actual.Members.Count, "Team.Members.Count");
        for (int i = 0; i < expected.Members.Count; i++)
        {
            Member e = expected.Members[i], a = actual.Members[i];
            Check.Equal(e.Name, a.Name, $"Team.Members[{i}].Name");
            Check.Equal(e.Age, a.Age, $"Team.Members[{i}].Age");
            Check.SequenceEqual<string>([.. e.Tags], [.. a.Tags], $"Team.Members[{i}].Tags");
        }
        Check.Equal(null, actual.Captain, "Team.Captain (null)");
        Check.SequenceEqual<int>(expected.Scores, actual.Scores, "Team.Scores");
    }

    private static void CheckSettings(Settings? expected, Settings? actual, string what)
    {
        if (expected is null)
        {
            Check.Equal(null, actual, what);
            return;
        }
        Check.True(actual is not null, $"{what} is null");
        Check.Equal(expected.Name, actual.Name, $"{what}.Name");
        Check.Equal(expected.Count, actual.Count, $"{what}.Count");
        Check.SequenceEqual<double>(expected.Values, actual.Values, $"{what}.Values");
        Check.True((expected.Values is null) == (actual.Values is null), $"{what}.Values null-ness");
        Check.Equal(expected.Notes, actual.Notes, $"{what}.Notes");
        CheckSettings(expected.Child, actual.Child, $"{what}.Child");
    }
}
