using HpcMsg.Bootstrap;
using HpcMsg.Engine;

namespace HpcMsg.Tests.Engine;

/// <summary>MPI matching rules on the queues alone: earliest posted receive wins across the
/// per-source and wildcard lists, earliest-arrived message wins, contexts never mix. Sources here
/// are world ranks of a 4-rank world communicator (comm rank = world rank).</summary>
public sealed class MatchQueueTests : IDisposable
{
    private const int WorldSize = 4;
    private readonly ProgressEngine _engine = new(JobEnvironment.Singleton(), null);

    public void Dispose() => _engine.Dispose();

    private Operation Posted(int context, int source, int tag)
    {
        var r = new Operation(_engine);
        unsafe { r.Reset(RequestKind.Receive, context, source, tag, 1, null, 0, source == Communicator.AnySource ? -1 : source); }
        return r;
    }

    private static InboundMessage Arrived(int context, int source, int tag) =>
        new() { Context = context, Source = source, SourceWorld = source, Tag = tag };

    [Fact]
    public void EarliestPostedReceiveThatAcceptsTakesTheMessage()
    {
        var q = new PostedReceiveQueue(WorldSize);
        Operation specific = Posted(0, 2, 5), any = Posted(0, Communicator.AnySource, Communicator.AnyTag), later = Posted(0, 2, 5);
        q.Append(specific);
        q.Append(any);
        q.Append(later);
        Assert.Same(any, q.TakeMatch(0, 1, 1, 5));      // specific does not accept source 1
        Assert.Same(specific, q.TakeMatch(0, 2, 2, 5)); // FIFO among acceptors
        Assert.Same(later, q.TakeMatch(0, 2, 2, 5));
        Assert.Null(q.TakeMatch(0, 2, 2, 5));
        Assert.True(q.IsEmpty);
    }

    [Fact]
    public void AWildcardPostedFirstWinsOverALaterSpecificReceive()
    {
        var q = new PostedReceiveQueue(WorldSize);
        Operation any = Posted(0, Communicator.AnySource, 7), specific = Posted(0, 3, 7);
        q.Append(any);
        q.Append(specific);
        Assert.Same(any, q.TakeMatch(0, 3, 3, 7));
        Assert.Same(specific, q.TakeMatch(0, 3, 3, 7));
    }

    [Fact]
    public void ContextsNeverMatchEachOther()
    {
        var q = new PostedReceiveQueue(WorldSize);
        q.Append(Posted(2, Communicator.AnySource, Communicator.AnyTag));
        Assert.Null(q.TakeMatch(0, 0, 0, 0));
        Assert.NotNull(q.TakeMatch(2, 0, 0, 0));
    }

    [Fact]
    public void WildcardReceiveFindsTheEarliestArrivedMessage()
    {
        var q = new UnexpectedMessageQueue(WorldSize);
        InboundMessage a = Arrived(0, 3, 1), b = Arrived(0, 1, 2), c = Arrived(0, 3, 2);
        q.Append(a);
        q.Append(b);
        q.Append(c);
        Assert.Same(a, q.Find(0, Communicator.AnySource, -1, Communicator.AnyTag));
        Assert.Same(b, q.Find(0, Communicator.AnySource, -1, 2));
        Assert.Same(c, q.Find(0, 3, 3, 2));
        Assert.Same(a, q.Find(0, 3, 3, Communicator.AnyTag));
        Assert.Null(q.Find(1, Communicator.AnySource, -1, Communicator.AnyTag));
        q.Remove(b);
        Assert.Equal(2, q.Count);
        Assert.Same(c, q.Find(0, Communicator.AnySource, -1, 2));
        q.Remove(a);
        Assert.Same(c, q.Find(0, 3, 3, Communicator.AnyTag));
        Assert.Null(q.Find(0, 1, 1, Communicator.AnyTag));
    }

    [Fact]
    public void AReceiveNamingASourceDoesNotWalkOtherSendersMessages()
    {
        var q = new UnexpectedMessageQueue(WorldSize);
        for (int i = 0; i < 10_000; i++) q.Append(Arrived(0, 1, i));
        InboundMessage mine = Arrived(0, 2, 0);
        q.Append(mine);
        // Behaviour, not timing: the per-source list holds only source 2's message.
        Assert.Same(mine, q.Find(0, 2, 2, Communicator.AnyTag));
        q.Remove(mine);
        Assert.Null(q.Find(0, 2, 2, Communicator.AnyTag));
        Assert.Equal(10_000, q.Count);
    }
}
