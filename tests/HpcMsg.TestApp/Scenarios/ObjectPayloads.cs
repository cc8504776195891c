namespace HpcMsg.TestApp.Scenarios;

// Types that travel through SendObject/RecvObject in the objects scenario. Public, as a user's
// message types usually are; the serializer needs no attributes on them.

public sealed record Member(string Name, int Age, List<string> Tags);

public sealed record Team(string Name, List<Member> Members, Member? Captain, int[]? Scores);

public sealed record Reply(int Rank, string Text, List<int> Seen);

/// <summary>A plain class with public get/set properties, one of them null, one a nested instance.</summary>
public sealed class Settings
{
    public string? Name { get; set; }
    public int Count { get; set; }
    public double[]? Values { get; set; }
    public Settings? Child { get; set; }
    public string? Notes { get; set; }
}
