using HpcMsg.Bootstrap;
using HpcMsg.Engine;

namespace HpcMsg.Tests.Engine;

/// <summary>MPI matching rules on the queues alone: FIFO, wildcards, contexts.</summary>
public sealed class MatchQueueTests : IDisposable
{
    private readonly ProgressEngine _engine = new(JobEnvironment.Singleton(), null);

    public void Dispose() => _engine.Dispose();

    private Request Posted(int context, int source, int tag)
    {
        var r = new Request(_engine);
        unsafe { r.Reset(RequestKind.Receive, context, source, tag, 1, null, 0); }
        return r;
    }

    private static InboundMessage Arrived(int context, int source, int tag) =>
        new() { Context = context, Source = source, Tag = tag };

    [Fact]
    public void EarliestPostedReceiveThatAcceptsTakesTheMessage()
    {
        var q = new PostedReceiveQueue();
        Request specific = Posted(0, 2, 5), any = Posted(0, Communicator.AnySource, Communicator.AnyTag), later = Posted(0, 2, 5);
        q.Append(specific);
        q.Append(any);
        q.Append(later);
        Assert.Same(any, q.TakeMatch(0, 1, 5));      // specific does not accept source 1
        Assert.Same(specific, q.TakeMatch(0, 2, 5)); // FIFO among acceptors
        Assert.Same(later, q.TakeMatch(0, 2, 5));
        Assert.Null(q.TakeMatch(0, 2, 5));
        Assert.True(q.IsEmpty);
    }

    [Fact]
    public void ContextsNeverMatchEachOther()
    {
        var q = new PostedReceiveQueue();
        q.Append(Posted(2, Communicator.AnySource, Communicator.AnyTag));
        Assert.Null(q.TakeMatch(0, 0, 0));
        Assert.NotNull(q.TakeMatch(2, 0, 0));
    }

    [Fact]
    public void WildcardReceiveFindsTheEarliestArrivedMessage()
    {
        var q = new UnexpectedMessageQueue();
        InboundMessage a = Arrived(0, 3, 1), b = Arrived(0, 1, 2), c = Arrived(0, 3, 2);
        q.Append(a);
        q.Append(b);
        q.Append(c);
        Assert.Same(a, q.Find(0, Communicator.AnySource, Communicator.AnyTag));
        Assert.Same(b, q.Find(0, Communicator.AnySource, 2));
        Assert.Same(c, q.Find(0, 3, 2));
        Assert.Null(q.Find(1, Communicator.AnySource, Communicator.AnyTag));
        q.Remove(b);
        Assert.Equal(2, q.Count);
        Assert.Same(c, q.Find(0, Communicator.AnySource, 2));
    }
}
