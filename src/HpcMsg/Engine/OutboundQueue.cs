namespace HpcMsg.Engine;

internal enum OutboundKind : byte
{
    EagerSend,
    RequestToSend,
    Control,
    Stream,
}

/// <summary>Something waiting for room at the transport to one destination. Kept in order, so that a
/// message never overtakes an earlier one to the same destination.</summary>
internal readonly struct OutboundItem
{
    public readonly OutboundKind Kind;
    public readonly Transports.Wire.RecordKind ControlKind;
    public readonly Operation? Operation;
    public readonly long Token1;
    public readonly long Token2;

    public OutboundItem(OutboundKind kind, Operation? request, Transports.Wire.RecordKind controlKind = default, long token1 = 0, long token2 = 0)
    {
        Kind = kind;
        Operation = request;
        ControlKind = controlKind;
        Token1 = token1;
        Token2 = token2;
    }
}

/// <summary>
/// The items waiting for room to one destination, first in first out: a ring of items that grows by
/// doubling. Our own rather than Queue&lt;OutboundItem&gt;: a framework generic over a struct of this
/// library is compiled by neither the framework's nor this library's ReadyToRun image, so it ran as
/// unoptimised jitted code in every short job.
/// </summary>
internal sealed class OutboundQueue
{
    private OutboundItem[] _items = new OutboundItem[4];
    private int _head;

    public int Count { get; private set; }

    public void Enqueue(in OutboundItem item)
    {
        if (Count == _items.Length) Grow();
        _items[(_head + Count) & (_items.Length - 1)] = item;
        Count++;
    }

    public ref readonly OutboundItem Peek()
    {
        if (Count == 0) throw new InvalidOperationException("the outbound queue is empty");
        return ref _items[_head];
    }

    public OutboundItem Dequeue()
    {
        OutboundItem item = Peek();
        _items[_head] = default; // no reference to a finished request stays behind
        _head = (_head + 1) & (_items.Length - 1);
        Count--;
        return item;
    }

    /// <summary>The item <paramref name="index"/> places behind the head.</summary>
    public ref readonly OutboundItem this[int index] => ref _items[(_head + index) & (_items.Length - 1)];

    public void Clear()
    {
        Array.Clear(_items);
        _head = 0;
        Count = 0;
    }

    private void Grow()
    {
        var bigger = new OutboundItem[_items.Length * 2];
        for (int i = 0; i < Count; i++) bigger[i] = this[i];
        _items = bigger;
        _head = 0;
    }
}
