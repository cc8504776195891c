namespace HpcMsg.Engine;

/// <summary>
/// Posted receives, in the order they were posted. A receive naming a source waits in that source's
/// list, a wildcard receive in a list of its own, and a post sequence number decides between the two
/// heads, so that an arriving message is matched by the earliest posted receive that accepts it
/// (MPI's rule) without walking the receives posted for other sources. Sources are world ranks.
/// </summary>
internal sealed class PostedReceiveQueue(int worldSize)
{
    private readonly RequestList[] _bySource = new RequestList[worldSize];
    private RequestList _anySource;
    private long _sequence;

    public bool IsEmpty
    {
        get
        {
            if (_anySource.Head is not null) return false;
            foreach (RequestList list in _bySource) if (list.Head is not null) return false;
            return true;
        }
    }

    public void Append(Operation r)
    {
        r.State.PostSequence = ++_sequence;
        if (r.State.Peer == Wildcards.AnySource) _anySource.Append(r);
        else _bySource[r.State.PeerWorld].Append(r);
    }

    /// <summary>Removes and returns the earliest posted receive that accepts this message.</summary>
    public Operation? TakeMatch(int context, int source, int sourceWorld, int tag)
    {
        Operation? specific = _bySource[sourceWorld].Find(context, source, tag);
        Operation? wildcard = _anySource.Find(context, source, tag);
        if (specific is null && wildcard is null) return null;
        if (wildcard is null || (specific is not null && specific.State.PostSequence < wildcard.State.PostSequence))
        {
            _bySource[sourceWorld].Remove(specific!);
            return specific;
        }
        _anySource.Remove(wildcard);
        return wildcard;
    }

    /// <summary>Removes <paramref name="r"/> if it is still posted (it has not been matched).</summary>
    public bool Remove(Operation r)
    {
        ref RequestList list = ref r.State.Peer == Wildcards.AnySource ? ref _anySource : ref _bySource[r.State.PeerWorld];
        if (list.Head != r && r.State.Prev is null) return false;
        list.Remove(r);
        return true;
    }

    /// <summary>The earliest receive posted for <paramref name="sourceWorld"/> by name (not by wildcard),
    /// removed; used to fail them when that peer has failed.</summary>
    public Operation? TakeFirstFrom(int sourceWorld)
    {
        if (_bySource[sourceWorld].Head is not { } r) return null;
        _bySource[sourceWorld].Remove(r);
        return r;
    }

    /// <summary>The earliest posted receive in either of two contexts, removed (a freed communicator's).</summary>
    public Operation? TakeFirstInContext(int context, int collectiveContext)
    {
        for (Operation? r = _anySource.Head; r is not null; r = r.State.Next)
        {
            if (r.State.Context != context && r.State.Context != collectiveContext) continue;
            _anySource.Remove(r);
            return r;
        }
        for (int i = 0; i < _bySource.Length; i++)
        {
            for (Operation? r = _bySource[i].Head; r is not null; r = r.State.Next)
            {
                if (r.State.Context != context && r.State.Context != collectiveContext) continue;
                _bySource[i].Remove(r);
                return r;
            }
        }
        return null;
    }

    /// <summary>Any posted receive (used to fail them all when the job ends).</summary>
    public Operation? TakeFirst()
    {
        if (_anySource.Head is { } w)
        {
            _anySource.Remove(w);
            return w;
        }
        for (int i = 0; i < _bySource.Length; i++)
        {
            if (_bySource[i].Head is { } r)
            {
                _bySource[i].Remove(r);
                return r;
            }
        }
        return null;
    }

    private struct RequestList
    {
        public Operation? Head;
        private Operation? _tail;

        public void Append(Operation r)
        {
            r.State.Next = null;
            r.State.Prev = _tail;
            if (_tail is null) Head = r; else _tail.State.Next = r;
            _tail = r;
        }

        public readonly Operation? Find(int context, int source, int tag)
        {
            for (Operation? r = Head; r is not null; r = r.State.Next)
            {
                if (r.State.Context == context && (r.State.Peer == source || r.State.Peer == Wildcards.AnySource)
                    && (r.State.Tag == tag || r.State.Tag == Wildcards.AnyTag))
                    return r;
            }
            return null;
        }

        public void Remove(Operation r)
        {
            if (r.State.Prev is null) Head = r.State.Next; else r.State.Prev.State.Next = r.State.Next;
            if (r.State.Next is null) _tail = r.State.Prev; else r.State.Next.State.Prev = r.State.Prev;
            r.State.Next = r.State.Prev = null;
        }
    }
}

/// <summary>
/// Messages that arrived before a matching receive. Each is linked twice: into the arrival-order list
/// (which a wildcard-source receive walks, so it takes the earliest-arrived match) and into its
/// source's list (which a receive naming a source walks, so a flood from other senders costs it
/// nothing). Sources are world ranks.
/// </summary>
internal sealed class UnexpectedMessageQueue(int worldSize)
{
    private readonly InboundMessage?[] _sourceHead = new InboundMessage?[worldSize];
    private readonly InboundMessage?[] _sourceTail = new InboundMessage?[worldSize];
    private InboundMessage? _head;
    private InboundMessage? _tail;

    public int Count { get; private set; }

    public void Append(InboundMessage m)
    {
        m.Next = null;
        m.Prev = _tail;
        if (_tail is null) _head = m; else _tail.Next = m;
        _tail = m;

        int s = m.SourceWorld;
        m.SourceNext = null;
        m.SourcePrev = _sourceTail[s];
        if (_sourceTail[s] is null) _sourceHead[s] = m; else _sourceTail[s]!.SourceNext = m;
        _sourceTail[s] = m;
        Count++;
    }

    /// <summary>The earliest-arrived message that a receive (context, source, tag) accepts;
    /// <paramref name="sourceWorld"/> is the world rank of <paramref name="source"/> when it is not a wildcard.</summary>
    public InboundMessage? Find(int context, int source, int sourceWorld, int tag)
    {
        if (source == Wildcards.AnySource)
        {
            for (InboundMessage? m = _head; m is not null; m = m.Next)
            {
                if (m.Context == context && (tag == Wildcards.AnyTag || m.Tag == tag)) return m;
            }
            return null;
        }
        for (InboundMessage? m = _sourceHead[sourceWorld]; m is not null; m = m.SourceNext)
        {
            if (m.Context == context && m.Source == source && (tag == Wildcards.AnyTag || m.Tag == tag)) return m;
        }
        return null;
    }

    /// <summary>The earliest-arrived message (walk on with Next).</summary>
    public InboundMessage? First => _head;

    /// <summary>The earliest-arrived message from <paramref name="sourceWorld"/> (walk on with SourceNext).</summary>
    public InboundMessage? FirstFrom(int sourceWorld) => _sourceHead[sourceWorld];

    public void Remove(InboundMessage m)
    {
        if (m.Prev is null) _head = m.Next; else m.Prev.Next = m.Next;
        if (m.Next is null) _tail = m.Prev; else m.Next.Prev = m.Prev;
        m.Next = m.Prev = null;

        int s = m.SourceWorld;
        if (m.SourcePrev is null) _sourceHead[s] = m.SourceNext; else m.SourcePrev.SourceNext = m.SourceNext;
        if (m.SourceNext is null) _sourceTail[s] = m.SourcePrev; else m.SourceNext.SourcePrev = m.SourcePrev;
        m.SourceNext = m.SourcePrev = null;
        Count--;
    }
}

/// <summary>The wildcards of a receive as the engine sees them; equal to
/// <c>Communicator.AnySource</c> and <c>Communicator.AnyTag</c> (the API's names for them), which the
/// engine does not name (layers depend downwards only).</summary>
internal static class Wildcards
{
    public const int AnySource = -1;
    public const int AnyTag = -1;
}
