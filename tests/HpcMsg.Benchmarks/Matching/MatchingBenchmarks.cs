using BenchmarkDotNet.Attributes;
using HpcMsg.Bootstrap;
using HpcMsg.Engine;

namespace HpcMsg.Benchmarks.Matching;

/// <summary>
/// The matching engine's queues. An arriving message looks for the earliest posted receive that
/// accepts it; <c>Ahead</c> receives posted earlier for the same source but other tags stand in front
/// of the one it matches (0 is the common case: the receive is waiting at the head).
/// </summary>
[MemoryDiagnoser]
public class PostedReceiveBenchmarks
{
    private const int WorldSize = 4;

    [Params(0, 16, 256)]
    public int Ahead { get; set; }

    private ProgressEngine _engine = null!;
    private PostedReceiveQueue _queue = null!;
    private Operation _specific = null!;
    private Operation _wildcard = null!;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new ProgressEngine(JobEnvironment.Singleton(), null);
        _queue = new PostedReceiveQueue(WorldSize);
        for (int i = 0; i < Ahead; i++) _queue.Append(Posted(1, 1000 + i));
        _specific = Posted(1, 7);
        _wildcard = Posted(Communicator.AnySource, 7);
    }

    [GlobalCleanup]
    public void Cleanup() => _engine.Dispose();

    private unsafe Operation Posted(int source, int tag)
    {
        var r = new Operation(_engine);
        r.Reset(RequestKind.Receive, 0, source, tag, 1, null, 0, source == Communicator.AnySource ? -1 : source);
        return r;
    }

    /// <summary>Post a receive naming the source, then match the message that arrives for it.</summary>
    [Benchmark(Baseline = true)]
    public bool PostThenMatchBySource()
    {
        _queue.Append(_specific);
        return _queue.TakeMatch(0, 1, 1, 7) is not null;
    }

    /// <summary>The same with an AnySource receive (its own list, compared by post order).</summary>
    [Benchmark]
    public bool PostThenMatchAnySource()
    {
        _queue.Append(_wildcard);
        return _queue.TakeMatch(0, 1, 1, 7) is not null;
    }
}

/// <summary>
/// Messages that arrived before their receive. <c>Queued</c> unexpected messages from another sender
/// (a flood) wait in the queue when a receive comes for sender 1: a receive naming its source walks
/// only that source's list; an AnySource receive walks the arrival order.
/// </summary>
[MemoryDiagnoser]
public class UnexpectedMessageBenchmarks
{
    private const int WorldSize = 4;

    [Params(0, 16, 256)]
    public int Queued { get; set; }

    private UnexpectedMessageQueue _queue = null!;
    private InboundMessage _message = null!;

    [GlobalSetup]
    public void Setup()
    {
        _queue = new UnexpectedMessageQueue(WorldSize);
        for (int i = 0; i < Queued; i++) _queue.Append(new InboundMessage { Context = 0, Source = 2, SourceWorld = 2, Tag = 1000 + i });
        _message = new InboundMessage { Context = 0, Source = 1, SourceWorld = 1, Tag = 7 };
    }

    [Benchmark(Baseline = true)]
    public int ArriveThenReceiveBySource()
    {
        _queue.Append(_message);
        InboundMessage m = _queue.Find(0, 1, 1, 7)!;
        _queue.Remove(m);
        return m.Tag;
    }

    [Benchmark]
    public int ArriveThenReceiveAnySource()
    {
        _queue.Append(_message);
        InboundMessage m = _queue.Find(0, Communicator.AnySource, -1, 7)!;
        _queue.Remove(m);
        return m.Tag;
    }
}
