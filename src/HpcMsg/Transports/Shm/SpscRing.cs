using System.Diagnostics;
using System.Runtime.CompilerServices;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Transports.Shm;

/// <summary>
/// The writing end of one single-producer single-consumer ring (Agrona-style): a power-of-two data
/// area of 32-byte cells (<see cref="ShmLayout.RingCell"/>); a record takes consecutive cells and
/// never wraps (a Pad record fills the end instead). The producer keeps its tail privately and a
/// cached copy of the consumer's head, so the shared head line is read only when the ring looks full.
/// <para>
/// The consumer never writes the data area: before it publishes a record the producer zeroes the
/// first word of the cell that follows it, where the consumer looks next. So the cell at the tail
/// is always free and reads "empty", and stale payload of an earlier lap is never taken for a
/// header. When the consumer zeroed the cells it had read instead, every line of the ring changed
/// hands twice a lap (the consumer took it to zero it, the producer took it back, data and all, to
/// write it), and a streaming sender paid a line transfer per 64 bytes on top of the reader's.
/// </para>
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

    /// <summary>Reserves room for a record of <paramref name="recordBytes"/> (a multiple of the cell);
    /// returns its start, or null when the ring has no room now. Nothing is visible to the consumer
    /// until it is committed. The ring holds at most its capacity less one cell: the cell after
    /// the newest record must be free, to be zeroed.
    /// <para>Only a one-cell record may start in the middle of a line: a larger one starts on a line
    /// (a Pad record fills the half line before it) and takes whole lines, so that it shares no line
    /// with another record. Records laid across line boundaries made a stream of 64-512-byte messages
    /// slower (the line with the end of one record and the start of the next changed hands twice) and
    /// their latency up to 25% longer with the ranks on cores that share no cache.</para></summary>
    public byte* TryClaim(int recordBytes)
    {
        long tail = _tail;
        long start = recordBytes > ShmLayout.RingCell ? ShmLayout.AlignUp(tail, ShmLayout.CacheLine) : tail;
        int index = (int)(start & (_capacity - 1));
        if (recordBytes > _capacity - index)
        {
            start += _capacity - index; // never wrap: to the start of the next lap
            index = 0;
        }
        long needed = start - tail + recordBytes + ShmLayout.RingCell;
        if (needed > _capacity - (tail - _headCache))
        {
            _headCache = Volatile.Read(ref *_sharedHead);
            if (needed > _capacity - (tail - _headCache)) return null;
        }
        if (start != tail)
        {
            *(long*)(_data + index) = 0; // the consumer, sent here by the pad, must find it empty
            Volatile.Write(ref *(long*)(_data + (int)(tail & (_capacity - 1))), RecordHeader.Pack((int)(start - tail), RecordKind.Pad));
            tail = start;
        }
        _tail = tail + recordBytes;
        *(long*)(_data + (int)(_tail & (_capacity - 1))) = 0; // ordered before the record by Commit's release
        return _data + index;
    }

    /// <summary>Publishes a claimed record with one ordered store of its first word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Commit(byte* record, int recordBytes, RecordKind kind) => Commit(record, RecordHeader.Pack(recordBytes, kind));

    /// <summary>Publishes a claimed record whose first word is <paramref name="firstWord"/> (a short record's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Commit(byte* record, long firstWord)
    {
        Volatile.Write(ref *(long*)record, firstWord);
        // The tail is informational (debugging, a future unblock()): only this producer reads it back.
        *_sharedTail = _tail;
    }
}

/// <summary>
/// The reading end of one ring. A record is present when its first word is non-zero; the producer
/// zeroed that word before it published the record in front of it, so the consumer only reads.
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
        Debug.Assert(record == _data + (int)(_head & (_capacity - 1)), "only the record at the head can be released");
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
