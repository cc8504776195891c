using System.Runtime.CompilerServices;

namespace HpcMsg.Transports.Shm;

/// <summary>
/// The writing end of one single-producer single-consumer ring (Agrona-style): a power-of-two data
/// area of 64-byte cells; a record takes consecutive cells and never wraps (a Pad record fills the
/// end instead). The producer keeps its tail privately and a cached copy of the consumer's head,
/// so the shared head line is read only when the ring looks full.
/// </summary>
internal unsafe struct RingProducer
{
    private byte* _data;
    private long* _sharedTail;
    private long* _sharedHead;
    private int _capacity;
    private long _tail;
    private long _headCache;

    public RingProducer(byte* ring, int capacity)
    {
        _data = ring + ShmLayout.RingDataOffset;
        _sharedTail = (long*)(ring + ShmLayout.RingTailOffset);
        _sharedHead = (long*)(ring + ShmLayout.RingHeadOffset);
        _capacity = capacity;
        _tail = Volatile.Read(ref *_sharedTail);
        _headCache = Volatile.Read(ref *_sharedHead);
    }

    public readonly int Capacity => _capacity;

    public static int RecordBytesFor(long payloadBytes) =>
        (int)ShmLayout.AlignUp(RecordHeader.Size + payloadBytes, ShmLayout.CacheLine);

    /// <summary>Reserves room for a record of <paramref name="recordBytes"/> (a multiple of 64);
    /// returns its start, or null when the ring has no room now. Nothing is visible to the consumer
    /// until <see cref="Commit"/>.</summary>
    public byte* TryClaim(int recordBytes)
    {
        long tail = _tail;
        int index = (int)(tail & (_capacity - 1));
        int toEnd = _capacity - index;
        int padding = recordBytes > toEnd ? toEnd : 0;
        long needed = recordBytes + padding;
        if (needed > _capacity - (tail - _headCache))
        {
            _headCache = Volatile.Read(ref *_sharedHead);
            if (needed > _capacity - (tail - _headCache)) return null;
        }
        if (padding != 0)
        {
            Volatile.Write(ref *(long*)(_data + index), RecordHeader.Pack(padding, RecordKind.Pad));
            tail += padding;
            index = 0;
        }
        _tail = tail + recordBytes;
        return _data + index;
    }

    /// <summary>Publishes a claimed record with one ordered store of its first word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Commit(byte* record, int recordBytes, RecordKind kind)
    {
        Volatile.Write(ref *(long*)record, RecordHeader.Pack(recordBytes, kind));
        // The tail is informational (debugging, a future unblock()): only this producer reads it back.
        *_sharedTail = _tail;
    }
}

/// <summary>
/// The reading end of one ring. A record is present when its first word is non-zero. After use the
/// consumer zeroes the first word of every cell the record took (any of them may start a later
/// record) before it publishes the new head.
/// </summary>
internal unsafe struct RingConsumer
{
    private byte* _data;
    private long* _sharedHead;
    private int _capacity;
    private long _head;
    private long _published;

    public RingConsumer(byte* ring, int capacity)
    {
        _data = ring + ShmLayout.RingDataOffset;
        _sharedHead = (long*)(ring + ShmLayout.RingHeadOffset);
        _capacity = capacity;
        _head = Volatile.Read(ref *_sharedHead);
        _published = _head;
    }

    /// <summary>The next committed record, or null. Pad records are skipped here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Peek()
    {
        while (true)
        {
            byte* record = _data + (int)(_head & (_capacity - 1));
            long word = Volatile.Read(ref *(long*)record);
            if (word == 0) return null;
            if (RecordHeader.KindOf(word) != RecordKind.Pad) return record;
            Release(record, RecordHeader.RecordBytesOf(word));
        }
    }

    public readonly bool HasRecord => Volatile.Read(ref *(long*)(_data + (int)(_head & (_capacity - 1)))) != 0;

    /// <summary>Consumes the record at the head (from <see cref="Peek"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Release(byte* record, int recordBytes)
    {
        for (int off = 0; off < recordBytes; off += ShmLayout.CacheLine) *(long*)(record + off) = 0;
        _head += recordBytes;
    }

    /// <summary>Makes the consumed space available to the producer; true if anything was released.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Publish()
    {
        if (_head == _published) return false;
        Volatile.Write(ref *_sharedHead, _head);
        _published = _head;
        return true;
    }
}
