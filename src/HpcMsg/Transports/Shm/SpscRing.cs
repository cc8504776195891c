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
/// The reading end of one ring. A record is present when its first word is non-zero. Before it
/// publishes a new head the consumer zeroes the first word of every cell it has consumed (any of them
/// may start a later record). It zeroes at publishing rather than at release so that the engine can
/// defer both past its next send: the zeroing stores take lines the producer wrote, and under x86's
/// store order the next record this rank writes would wait for all of them (a cache-line transfer
/// each, ~200 ns when the two cores are far apart).
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
        PublishBatchBytes = capacity / 16;
        _head = Volatile.Read(ref *_sharedHead);
        _published = _head;
    }

    /// <summary>The next committed record, or null. Pad records are skipped here. The caller must
    /// publish before <see cref="Unpublished"/> reaches a batch plus a record: the head must never
    /// come round to a consumed cell that is not yet zeroed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Peek()
    {
        System.Diagnostics.Debug.Assert(_head - _published < _capacity, "publish consumed space before the head comes round to it");
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

    /// <summary>Consumes the record at the head (from <see cref="Peek"/>); its space goes back to the
    /// producer at the next <see cref="Publish"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Release(byte* record, int recordBytes) => _head += recordBytes;

    /// <summary>Bytes consumed but not yet published.</summary>
    public readonly long Unpublished => _head - _published;

    /// <summary>How much consumed space the engine may hold back before publishing anyway: a
    /// sixteenth of the ring, so that a producer never waits for room the consumer is sitting on.</summary>
    public int PublishBatchBytes { get; }

    /// <summary>Zeroes the consumed cells and makes their space available to the producer; true if
    /// anything was released.</summary>
    public bool Publish()
    {
        if (_head == _published) return false;
        int mask = _capacity - 1;
        for (long pos = _published; pos < _head; pos += ShmLayout.CacheLine) *(long*)(_data + (int)(pos & mask)) = 0;
        Volatile.Write(ref *_sharedHead, _head);
        _published = _head;
        return true;
    }
}
