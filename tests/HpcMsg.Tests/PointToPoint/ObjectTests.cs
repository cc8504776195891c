using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>SendObject/RecvObject round trips of strings, collections, records and classes (scenario "objects").</summary>
[Collection(JobsCollection.Name)]
public sealed class ObjectTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Objects_arrive_equal_to_what_was_sent(int np) => ScenarioJob.Passes(log, np, "objects");

    /// <summary>The JsonTypeInfo overloads (source generation), and their wire format against the reflection form's.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Objects_through_a_JsonTypeInfo_arrive_equal_to_what_was_sent(int np) => ScenarioJob.Passes(log, np, "typed-objects");
}
