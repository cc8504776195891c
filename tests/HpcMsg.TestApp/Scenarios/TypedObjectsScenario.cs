using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>The object calls that take a JsonTypeInfo (System.Text.Json source generation, safe trimmed
/// and in Native AOT): SendObject/RecvObject around a ring, and BroadcastObject from the last rank. The
/// wire format is the reflection form's, so each direction is also checked against the other form.</summary>
internal sealed class TypedObjectsScenario : IScenario
{
    private const int TypedTag = 3, MixedTag = 4, ReverseTag = 5;

    public string Name => "typed-objects";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        int right = PeerPairing.Right(world), left = PeerPairing.Left(world);
        PayloadContext context = PayloadContext.Default;

        world.SendObject(TeamOf(world.Rank), context.Team, right, TypedTag);
        Team typed = world.RecvObject(context.Team, left, TypedTag, out Status status);
        CheckTeam(TeamOf(left), typed, "typed SendObject/RecvObject");
        Check.Equal(left, status.Source, "typed RecvObject Status.Source");
        Check.Equal(TypedTag, status.Tag, "typed RecvObject Status.Tag");

        // Sent by reflection, received through the JsonTypeInfo, and the other way round (a Native AOT
        // build has no reflection-based serialization: there the typed forms alone are checked).
        if (JsonSerializer.IsReflectionEnabledByDefault) CheckAgainstReflectionForm(world, context, right, left);

        int root = world.Size - 1;
        Team broadcast = world.BroadcastObject(world.Rank == root ? TeamOf(root) : null!, context.Team, root);
        CheckTeam(TeamOf(root), broadcast, "typed BroadcastObject");

        Check.Throws<ArgumentNullException>(() => world.SendObject(TeamOf(0), null!, right, TypedTag), "SendObject with a null JsonTypeInfo");
        world.Barrier();
        return Task.CompletedTask;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "called only where reflection-based serialization is enabled")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "called only where reflection-based serialization is enabled")]
    private static void CheckAgainstReflectionForm(Communicator world, PayloadContext context, int right, int left)
    {
        world.SendObject(TeamOf(world.Rank + 100), right, MixedTag);
        CheckTeam(TeamOf(left + 100), world.RecvObject(context.Team, left, MixedTag), "reflection send, typed receive");
        world.SendObject(new Reply(world.Rank, "typed", [world.Rank]), context.Reply, right, ReverseTag);
        Reply reply = world.RecvObject<Reply>(left, ReverseTag);
        Check.Equal(left, reply.Rank, "typed send, reflection receive: Rank");
        Check.SequenceEqual<int>([left], reply.Seen.ToArray(), "typed send, reflection receive: Seen");
    }

    private static Team TeamOf(int rank) =>
        new($"team {rank}", [new Member("ann", 30 + rank, ["lead"]), new Member("bob", rank, [])], Captain: null, Scores: [rank, 1, 2]);

    private static void CheckTeam(Team expected, Team actual, string what)
    {
        Check.Equal(expected.Name, actual.Name, $"{what}: Name");
        Check.Equal(expected.Members.Count, actual.Members.Count, $"{what}: Members.Count");
        for (int i = 0; i < expected.Members.Count; i++)
        {
            Check.Equal(expected.Members[i].Name, actual.Members[i].Name, $"{what}: Members[{i}].Name");
            Check.Equal(expected.Members[i].Age, actual.Members[i].Age, $"{what}: Members[{i}].Age");
            Check.SequenceEqual<string>(expected.Members[i].Tags.ToArray(), actual.Members[i].Tags.ToArray(), $"{what}: Members[{i}].Tags");
        }
        Check.True(actual.Captain is null, $"{what}: Captain is not null");
        Check.SequenceEqual<int>(expected.Scores!, actual.Scores!, $"{what}: Scores");
    }
}

/// <summary>Source-generated metadata for the scenario's types, with the reflection form's options.</summary>
[JsonSourceGenerationOptions(IncludeFields = true)]
[JsonSerializable(typeof(Team))]
[JsonSerializable(typeof(Reply))]
[JsonSerializable(typeof(Dictionary<string, List<int>>))]
internal sealed partial class PayloadContext : JsonSerializerContext;
