namespace HpcMsg.Engine;

/// <summary>
/// The two queues of MPI matching. Both are FIFO intrusive lists, so that the earliest posted
/// receive takes a message and a receive takes the earliest-arrived matching message, which with
/// per-sender FIFO arrival gives the non-overtaking rule. -1 is the wildcard for source and tag.
/// </summary>
internal sealed class PostedReceiveQueue
{
    private Request? _head;
    private Request? _tail;

    public bool IsEmpty => _head is null;

    public void Append(Request r)
    {
        r.Next = null;
        r.Prev = _tail;
        if (_tail is null) _head = r; else _tail.Next = r;
        _tail = r;
    }

    /// <summary>Removes and returns the first posted receive that accepts this message.</summary>
    public Request? TakeMatch(int context, int source, int tag)
    {
        for (Request? r = _head; r is not null; r = r.Next)
        {
            if (r.Context == context && (r.Peer == source || r.Peer == Communicator.AnySource)
                && (r.Tag == tag || r.Tag == Communicator.AnyTag))
            {
                Remove(r);
                return r;
            }
        }
        return null;
    }

    public Request? TakeFirst()
    {
        Request? first = _head;
        if (first is not null) Remove(first);
        return first;
    }

    public void Remove(Request r)
    {
        if (r.Prev is null) _head = r.Next; else r.Prev.Next = r.Next;
        if (r.Next is null) _tail = r.Prev; else r.Next.Prev = r.Prev;
        r.Next = r.Prev = null;
    }
}

internal sealed class UnexpectedMessageQueue
{
    private InboundMessage? _head;
    private InboundMessage? _tail;

    public int Count { get; private set; }

    public void Append(InboundMessage m)
    {
        m.Next = null;
        m.Prev = _tail;
        if (_tail is null) _head = m; else _tail.Next = m;
        _tail = m;
        Count++;
    }

    /// <summary>The earliest-arrived message that a receive (context, source, tag) accepts.</summary>
    public InboundMessage? Find(int context, int source, int tag)
    {
        for (InboundMessage? m = _head; m is not null; m = m.Next)
        {
            if (m.Context == context && (source == Communicator.AnySource || m.Source == source)
                && (tag == Communicator.AnyTag || m.Tag == tag))
                return m;
        }
        return null;
    }

    public void Remove(InboundMessage m)
    {
        if (m.Prev is null) _head = m.Next; else m.Prev.Next = m.Next;
        if (m.Next is null) _tail = m.Prev; else m.Next.Prev = m.Prev;
        m.Next = m.Prev = null;
        Count--;
    }
}
