using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using HpcMsg.Transports.Shm;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Benchmarks.Rings;

/// <summary>
/// The shared-memory ring's own cost, on one thread in process memory (no second core, so no cache
/// line moves between cores: that part is the placement probe's, tests/HpcMsg.Benchmarks.Native/c2c.c).
/// One eager message goes in (claim, 48-byte header, payload copy, commit by one ordered store) and
/// out (peek, copy out, zero the cells, release, publish the head), as the engine does it.
/// <c>Bytes</c> is the payload; the ring is the 128 KiB one of a job with up to 22 ranks.
/// </summary>
[MemoryDiagnoser]
public unsafe class RingBenchmarks
{
    private const int Capacity = ShmLayout.MaxRingCapacity;
    private const int Burst = 16; // 16 records of 4 KiB fit the 128 KiB ring with room for a wrap

    [Params(8, 256, 4096)]
    public int Bytes { get; set; }

    private byte* _ring;
    private RingProducer _producer;
    private RingConsumer _consumer;
    private byte[] _source = [];
    private byte[] _target = [];

    [GlobalSetup]
    public void Setup()
    {
        nuint bytes = (nuint)(ShmLayout.RingDataOffset + Capacity);
        _ring = (byte*)NativeMemory.AlignedAlloc(bytes, ShmLayout.CacheLine);
        NativeMemory.Clear(_ring, bytes);
        _producer = new RingProducer(_ring, Capacity);
        _consumer = new RingConsumer(_ring, Capacity);
        _source = new byte[Bytes];
        _target = new byte[Bytes];
        new Random(1).NextBytes(_source);
    }

    [GlobalCleanup]
    public void Cleanup() => NativeMemory.AlignedFree(_ring);

    /// <summary>One message in, then out, publishing the head after each (the ping-pong pattern).</summary>
    [Benchmark(Baseline = true)]
    public long EnqueueDequeue()
    {
        Enqueue();
        long n = Dequeue();
        _consumer.Publish();
        return n;
    }

    /// <summary>16 messages in, then 16 out with one head publication (the bandwidth pattern); per message.</summary>
    [Benchmark(OperationsPerInvoke = Burst)]
    public long BurstOf16()
    {
        for (int i = 0; i < Burst; i++) Enqueue();
        long n = 0;
        for (int i = 0; i < Burst; i++) n += Dequeue();
        _consumer.Publish();
        return n;
    }

    private void Enqueue()
    {
        int recordBytes = RingProducer.RecordBytesFor(Bytes);
        byte* record = _producer.TryClaim(recordBytes);
        var header = (RecordHeader*)record;
        header->Context = 0;
        header->Source = 0;
        header->Tag = 7;
        header->MessageBytes = Bytes;
        _source.AsSpan().CopyTo(new Span<byte>(record + RecordHeader.Size, Bytes));
        _producer.Commit(record, recordBytes, RecordKind.Eager);
    }

    private long Dequeue()
    {
        byte* record = _consumer.Peek();
        var header = (RecordHeader*)record;
        long bytes = header->MessageBytes;
        new ReadOnlySpan<byte>(record + RecordHeader.Size, (int)bytes).CopyTo(_target);
        _consumer.Release(record, RecordHeader.RecordBytesOf(*(long*)record));
        return bytes;
    }
}
