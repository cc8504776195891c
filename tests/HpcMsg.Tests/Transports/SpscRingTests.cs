using System.Runtime.InteropServices;
using HpcMsg.Transports.Shm;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Tests.Transports;

/// <summary>The ring on its own, in process memory: records, padding at the wrap, full-ring refusal,
/// and a producer thread racing a consumer thread.</summary>
public sealed unsafe class SpscRingTests : IDisposable
{
    private const int Capacity = 4096;
    private readonly byte* _ring;

    public SpscRingTests()
    {
        nuint bytes = (nuint)(ShmLayout.RingDataOffset + Capacity);
        _ring = (byte*)NativeMemory.AlignedAlloc(bytes, ShmLayout.CacheLine);
        NativeMemory.Clear(_ring, bytes);
    }

    public void Dispose() => NativeMemory.AlignedFree(_ring);

    private static void Write(ref RingProducer producer, byte* record, int recordBytes, long payloadBytes, byte fill)
    {
        ((RecordHeader*)record)->MessageBytes = payloadBytes;
        new Span<byte>(record + RecordHeader.Size, (int)payloadBytes).Fill(fill);
        producer.Commit(record, recordBytes, RecordKind.Eager);
    }

    [Fact]
    public void EmptyRingHasNoRecord()
    {
        var consumer = new RingConsumer(_ring, Capacity);
        Assert.True(consumer.Peek() == null);
        Assert.False(consumer.HasRecord);
    }

    [Theory]
    [InlineData(0, 64)]
    [InlineData(16, 64)]
    [InlineData(17, 128)]
    [InlineData(80, 128)]
    [InlineData(81, 192)]
    public void RecordsTakeWholeLines(long payload, int expectedRecordBytes) =>
        Assert.Equal(expectedRecordBytes, RingProducer.RecordBytesFor(payload));

    /// <summary>A short record's 16-byte header: up to 16 bytes of message in one 32-byte cell, two to
    /// a cache line, a longer one in whole lines; its first word holds the message's bytes, and its
    /// size follows from them.</summary>
    [Theory]
    [InlineData(0, 32)]
    [InlineData(16, 32)]
    [InlineData(17, 64)]
    [InlineData(48, 64)]
    [InlineData(49, 128)]
    [InlineData(4000, 4032)]
    public void ShortRecordsTakeWholeCells(int messageBytes, int expectedRecordBytes)
    {
        Assert.Equal(expectedRecordBytes, ShortEagerHeader.RecordBytesFor(messageBytes));
        long word = ShortEagerHeader.Pack(messageBytes, ShortEagerHeader.MaxSource);
        Assert.Equal(RecordKind.ShortEager, RecordHeader.KindOf(word));
        Assert.Equal(expectedRecordBytes, RecordHeader.RecordBytesOf(word));
        Assert.Equal(messageBytes, ShortEagerHeader.MessageBytesOf(word));
        Assert.Equal(ShortEagerHeader.MaxSource, ShortEagerHeader.SourceOf(word));
        Assert.True(RecordHeader.HasHighBits(word));
        Assert.False(RecordHeader.HasHighBits(RecordHeader.Pack(RecordHeader.Size, RecordKind.Abort)));
    }

    /// <summary>Short and full records in turn: each comes out whole and in order; a record larger than a
    /// cell starts on a line (a pad fills the half line a short record left), a short one anywhere.</summary>
    [Fact]
    public void ShortRecordsShareCellsWithFullOnesInOrder()
    {
        var producer = new RingProducer(_ring, Capacity);
        var consumer = new RingConsumer(_ring, Capacity);
        for (byte i = 1; i <= 6; i++)
        {
            if (i % 2 == 1)
            {
                int rb = ShortEagerHeader.RecordBytesFor(i);
                byte* r = producer.TryClaim(rb);
                ((ShortEagerHeader*)r)->Context = 7;
                ((ShortEagerHeader*)r)->Tag = -i;
                new Span<byte>(r + ShortEagerHeader.Size, i).Fill(i);
                producer.Commit(r, ShortEagerHeader.Pack(i, source: 1000 + i));
            }
            else
            {
                int rb = RingProducer.RecordBytesFor(i);
                Write(ref producer, producer.TryClaim(rb), rb, i, i);
            }
        }
        byte* first = consumer.Peek();
        for (byte i = 1; i <= 6; i++)
        {
            byte* record = consumer.Peek();
            Assert.True(record != null);
            // 1 (short, one cell), pad, 2 (full, 64 bytes) on the next line, 3 (short) right after it.
            if (i == 2) Assert.True(record == first + ShmLayout.CacheLine);
            if (i == 3) Assert.True(record == first + 2 * ShmLayout.CacheLine);
            long word = *(long*)record;
            if (i % 2 == 1)
            {
                Assert.Equal(RecordKind.ShortEager, RecordHeader.KindOf(word));
                Assert.Equal(1000 + i, ShortEagerHeader.SourceOf(word));
                Assert.Equal(-i, ((ShortEagerHeader*)record)->Tag);
                Assert.Equal(i, ShortEagerHeader.MessageBytesOf(word));
                Assert.All(new ReadOnlySpan<byte>(record + ShortEagerHeader.Size, i).ToArray(), b => Assert.Equal(i, b));
            }
            else
            {
                Assert.Equal(RecordKind.Eager, RecordHeader.KindOf(word));
                Assert.Equal(i, ((RecordHeader*)record)->MessageBytes);
            }
            consumer.Release(record, RecordHeader.RecordBytesOf(word));
        }
        Assert.True(consumer.Peek() == null);
    }

    [Fact]
    public void RecordsComeOutInOrderWithTheirPayload()
    {
        var producer = new RingProducer(_ring, Capacity);
        var consumer = new RingConsumer(_ring, Capacity);
        for (byte i = 1; i <= 5; i++)
        {
            int rb = RingProducer.RecordBytesFor(i * 10);
            Write(ref producer, producer.TryClaim(rb), rb, i * 10, i);
        }
        for (byte i = 1; i <= 5; i++)
        {
            byte* record = consumer.Peek();
            Assert.True(record != null);
            var h = (RecordHeader*)record;
            Assert.Equal(RecordKind.Eager, RecordHeader.KindOf(h->LengthAndKind));
            Assert.Equal(i * 10, h->MessageBytes);
            Assert.All(new ReadOnlySpan<byte>(record + RecordHeader.Size, i * 10).ToArray(), b => Assert.Equal(i, b));
            consumer.Release(record, RecordHeader.RecordBytesOf(h->LengthAndKind));
        }
        Assert.True(consumer.Peek() == null);
    }

    [Fact]
    public void FullRingRefusesUntilTheConsumerPublishes()
    {
        var producer = new RingProducer(_ring, Capacity);
        var consumer = new RingConsumer(_ring, Capacity);
        int rb = 1024;
        const int Cell = ShmLayout.RingCell;
        // Three records and one a cell short: the ring keeps the cell after its newest record free.
        for (int i = 0; i < 3; i++) Write(ref producer, producer.TryClaim(rb), rb, rb - RecordHeader.Size, 1);
        Write(ref producer, producer.TryClaim(rb - Cell), rb - Cell, rb - Cell - RecordHeader.Size, 1);
        Assert.True(producer.TryClaim(Cell) == null);

        byte* first = consumer.Peek();
        consumer.Release(first, rb);
        Assert.True(producer.TryClaim(Cell) == null); // released but not yet published
        Assert.True(consumer.Publish());
        Assert.True(producer.TryClaim(Cell) != null);
    }

    [Fact]
    public void RecordThatWouldWrapIsPrecededByPadding()
    {
        var producer = new RingProducer(_ring, Capacity);
        var consumer = new RingConsumer(_ring, Capacity);
        // Fill to 3 KiB, consume it, then ask for 2 KiB: it cannot fit in the last 1 KiB.
        for (int i = 0; i < 3; i++) Write(ref producer, producer.TryClaim(1024), 1024, 100, 1);
        for (int i = 0; i < 3; i++) consumer.Release(consumer.Peek(), 1024);
        consumer.Publish();

        byte* big = producer.TryClaim(2048);
        Assert.True(big == _ring + ShmLayout.RingDataOffset); // placed at the start, after a pad
        Write(ref producer, big, 2048, 2000, 9);
        byte* seen = consumer.Peek(); // skips the pad
        Assert.True(seen == big);
        Assert.Equal(2000, ((RecordHeader*)seen)->MessageBytes);
    }

    [Fact]
    public void StalePayloadOfTheLastLapIsNeverTakenForARecord()
    {
        var producer = new RingProducer(_ring, Capacity);
        var consumer = new RingConsumer(_ring, Capacity);
        // Lap 1: the whole ring in records full of 0xFF, read and handed back.
        int[] lap = [1024, 1024, 1024, 1024 - ShmLayout.RingCell];
        foreach (int rb in lap)
        {
            byte* r = producer.TryClaim(rb);
            new Span<byte>(r + RecordHeader.Size, rb - RecordHeader.Size).Fill(0xFF);
            producer.Commit(r, rb, RecordKind.Eager);
        }
        foreach (int rb in lap) consumer.Release(consumer.Peek(), rb);
        consumer.Publish();
        Assert.Equal(0xFF, _ring[ShmLayout.RingDataOffset + 128]); // the consumer wrote nothing

        // Lap 2 puts its boundaries inside lap 1's payload: after each record the consumer must see
        // an empty cell, not the 0xFF bytes that lie there.
        byte* last = producer.TryClaim(ShmLayout.RingCell); // the last cell; the next one is the start
        last[ShortEagerHeader.Size] = 1;
        producer.Commit(last, ShortEagerHeader.Pack(1, source: 0));
        Write(ref producer, producer.TryClaim(128), 128, 70, 2);
        for (int expected = 1; expected <= 2; expected++)
        {
            byte* r = consumer.Peek();
            Assert.True(r != null);
            Assert.Equal(expected, r[RecordHeader.KindOf(*(long*)r) == RecordKind.ShortEager ? ShortEagerHeader.Size : RecordHeader.Size]);
            consumer.Release(r, RecordHeader.RecordBytesOf(*(long*)r));
        }
        Assert.True(consumer.Peek() == null);
        Assert.False(consumer.HasRecord);
    }

    [Fact]
    public void ProducerAndConsumerThreadsAgreeOnEveryRecord()
    {
        const int Count = 200_000;
        byte* ring = _ring;
        var producerThread = new Thread(() =>
        {
            var producer = new RingProducer(ring, Capacity);
            for (int i = 0; i < Count; i++)
            {
                int payload = i % 200;
                bool isShort = i % 3 != 0;
                int rb = isShort ? ShortEagerHeader.RecordBytesFor(payload) : RingProducer.RecordBytesFor(payload);
                int headerBytes = isShort ? ShortEagerHeader.Size : RecordHeader.Size;
                byte* record;
                while ((record = producer.TryClaim(rb)) == null) Thread.SpinWait(1);
                // Non-zero payload everywhere: record sizes vary, so a lap later these bytes lie
                // where headers are looked for, and a consumer that trusted stale cells would fail.
                if (payload > 0) new Span<byte>(record + headerBytes, payload).Fill((byte)(i | 0x80));
                if (isShort)
                {
                    ((ShortEagerHeader*)record)->Tag = i;
                    producer.Commit(record, ShortEagerHeader.Pack(payload, source: i & ShortEagerHeader.MaxSource));
                }
                else
                {
                    ((RecordHeader*)record)->Tag = i;
                    ((RecordHeader*)record)->MessageBytes = payload;
                    producer.Commit(record, rb, RecordKind.Eager);
                }
            }
        });
        producerThread.Start();
        var consumer = new RingConsumer(ring, Capacity);
        for (int i = 0; i < Count; i++)
        {
            byte* record;
            while ((record = consumer.Peek()) == null) Thread.SpinWait(1);
            long word = *(long*)record;
            int payload = i % 200;
            bool isShort = i % 3 != 0;
            Assert.Equal(isShort ? RecordKind.ShortEager : RecordKind.Eager, RecordHeader.KindOf(word));
            if (isShort)
            {
                Assert.Equal(i, ((ShortEagerHeader*)record)->Tag);
                Assert.Equal(payload, ShortEagerHeader.MessageBytesOf(word));
                Assert.Equal(i & ShortEagerHeader.MaxSource, ShortEagerHeader.SourceOf(word));
            }
            else
            {
                Assert.Equal(i, ((RecordHeader*)record)->Tag);
                Assert.Equal(payload, ((RecordHeader*)record)->MessageBytes);
            }
            if (payload > 0) Assert.Equal((byte)(i | 0x80), record[(isShort ? ShortEagerHeader.Size : RecordHeader.Size) + payload - 1]);
            consumer.Release(record, RecordHeader.RecordBytesOf(word));
            consumer.Publish();
        }
        Assert.True(producerThread.Join(TimeSpan.FromSeconds(30)));
    }
}
