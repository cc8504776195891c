using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HpcMsg.Engine;
using HpcMsg.Internal;

namespace HpcMsg;

/// <summary>Typed point-to-point: spans and values of unmanaged types become bytes here, and the
/// engine does the rest. Blocking calls pin with <c>fixed</c>; non-blocking ones on an array pin it
/// only while the engine needs its address beyond the call (a pending send, a large receive), and
/// on other memory pin it until their request completes.
/// <para>Each public generic method only turns its span, value or array into bytes and calls an
/// internal method on bytes. A generic method instantiated over a program's element type (even
/// <c>byte</c>: another assembly's type) is never in the ReadyToRun image, so the runtime compiles it
/// at its first call without optimisation and recompiles it only after the call-counting delay (over
/// a second for a rank bound to one core); everything in it runs at that speed until then. With the
/// checks, the send and the request inside the generic method, the unoptimised <c>ISendArray&lt;byte&gt;</c>
/// took half of a sender's time in osu_bw's loop of 8-byte ISends (the perf map of rank 0). The
/// byte-level methods are internal, not private: the image has code of its own only for a private
/// method that precompiled code calls (see docs/benchmarks/startup-and-first-calls.md).</para></summary>
public sealed unsafe partial class Communicator
{
    /// <summary>Blocking standard-mode send; returns when <paramref name="data"/> may be reused.</summary>
    public void Send<T>(ReadOnlySpan<T> data, int dest, int tag) where T : unmanaged
    {
        fixed (T* p = data) SendBytes((byte*)p, (long)data.Length * sizeof(T), sizeof(T), dest, tag);
    }

    /// <summary>Sends one element (a blocking standard-mode send).</summary>
    public void Send<T>(T value, int dest, int tag) where T : unmanaged => SendBytes((byte*)&value, sizeof(T), sizeof(T), dest, tag);

    internal void SendBytes(byte* data, long bytes, int elementSize, int dest, int tag)
    {
        ThrowIfDisposed();
        CheckDest(dest);
        CheckSendTag(tag);
        Engine.Send(Context, Rank, WorldRankOf(dest), tag, data, bytes, elementSize);
    }

    /// <summary>Blocking receive. A longer message throws <see cref="MessageTruncatedException"/> (and is consumed).</summary>
    public Status Recv<T>(Span<T> buffer, int source, int tag) where T : unmanaged
    {
        fixed (T* p = buffer) return RecvBytes((byte*)p, (long)buffer.Length * sizeof(T), sizeof(T), source, tag);
    }

    /// <summary>Receives one element; <paramref name="source"/> and <paramref name="tag"/> may be wildcards.</summary>
    public T Recv<T>(int source, int tag) where T : unmanaged
    {
        T value = default;
        RecvBytes((byte*)&value, sizeof(T), sizeof(T), source, tag);
        return value;
    }

    /// <summary>Receives one element and says who sent it with which tag.</summary>
    public T Recv<T>(int source, int tag, out Status status) where T : unmanaged
    {
        T value = default;
        status = RecvBytes((byte*)&value, sizeof(T), sizeof(T), source, tag);
        return value;
    }

    internal Status RecvBytes(byte* buffer, long bytes, int elementSize, int source, int tag)
    {
        CheckReceive(source, tag);
        return new Status(Engine.Receive(Context, source, SourceWorldOf(source), tag, buffer, bytes, elementSize));
    }

    /// <summary>Sends and receives at once; never deadlocks against a matching SendRecv. The two
    /// buffers may be the same or overlap (a halo exchanged in place): the send then goes from a copy
    /// taken before the receive can write.</summary>
    public Status SendRecv<T>(ReadOnlySpan<T> send, int dest, int sendTag, Span<T> recv, int source, int recvTag) where T : unmanaged
    {
        fixed (T* s = send)
        fixed (T* r = recv)
            return SendRecvBytes((byte*)s, (long)send.Length * sizeof(T), dest, sendTag, (byte*)r, (long)recv.Length * sizeof(T), source, recvTag, sizeof(T));
    }

    internal Status SendRecvBytes(byte* s, long sendBytes, int dest, int sendTag, byte* r, long recvBytes, int source, int recvTag, int elementSize)
    {
        ThrowIfDisposed();
        CheckDest(dest);
        CheckSendTag(sendTag, nameof(sendTag));
        CheckSource(source);
        CheckRecvTag(recvTag, nameof(recvTag));
        if (sendBytes <= Engine.EagerLimitEverywhere)
        {
            // An eager send completes without its receiver, so the plain blocking pair cannot
            // deadlock against the peer's; it takes no pooled request (~0.1 us of a 4-byte
            // exchange), and it has left the send buffer before the receive writes, so
            // overlapping buffers need no copy.
            Engine.Send(Context, Rank, WorldRankOf(dest), sendTag, s, sendBytes, elementSize);
            return new Status(Engine.Receive(Context, source, SourceWorldOf(source), recvTag, r, recvBytes, elementSize));
        }
        // A large send is read by the peer, or a queued eager one by the engine, after the
        // receive may have written the same bytes: without the copy the peer could get our
        // received data in place of what we sent.
        using ScratchBuffer copy = CopyIfOverlapping(s, sendBytes, r, recvBytes, out byte* from);
        Operation sendOp = Engine.RentOperation();
        sendOp.Reset(RequestKind.Send, Context, WorldRankOf(dest), sendTag, elementSize, from, sendBytes);
        sendOp.State.SourceInComm = Rank;
        Engine.PostSend(sendOp);
        Status status;
        try
        {
            status = new Status(Engine.Receive(Context, source, SourceWorldOf(source), recvTag, r, recvBytes, elementSize));
        }
        finally
        {
            // The send must finish before its buffer is unpinned, even when the receive failed;
            // if its own wait throws, it is taken out of the engine first.
            Engine.WaitOrAbandon(sendOp);
        }
        sendOp.Outcome();
        Engine.ReleaseOperation(sendOp);
        return status;
    }

    /// <summary>Non-blocking send. Do not modify <paramref name="data"/> until the request completes.</summary>
    public Request ISend<T>(ReadOnlyMemory<T> data, int dest, int tag) where T : unmanaged
    {
        if (MemoryMarshal.TryGetArray(data, out ArraySegment<T> array))
            return ISendArray(array.Array, (nint)array.Offset * sizeof(T), (long)array.Count * sizeof(T), sizeof(T), dest, tag);
        // Memory that is not an array's (a MemoryManager's): pinned for as long as the send is pending.
        fixed (T* p = data.Span)
        {
            if (TrySendNow((byte*)p, (long)data.Length * sizeof(T), sizeof(T), dest, tag) is { } done) return done;
        }
        return ISendPinned((long)data.Length * sizeof(T), sizeof(T), dest, tag, data.Pin()); // checked by TrySendNow
    }

    /// <summary>Non-blocking send of <paramref name="data"/>, as the <see cref="ReadOnlyMemory{T}"/>
    /// overload: so that <c>ISend(array.AsMemory(0, n), dest, tag)</c> infers <typeparamref name="T"/>
    /// (C# infers nothing through the implicit conversion to <see cref="ReadOnlyMemory{T}"/>).</summary>
    public Request ISend<T>(Memory<T> data, int dest, int tag) where T : unmanaged => ISend((ReadOnlyMemory<T>)data, dest, tag);

    /// <summary>Non-blocking send of a whole array; do not modify it until the request completes.</summary>
    public Request ISend<T>(T[] data, int dest, int tag) where T : unmanaged =>
        ISendArray(data, 0, data is null ? 0 : (long)data.Length * sizeof(T), sizeof(T), dest, tag);

    /// <summary>Checks a send's arguments and writes it now if it is eager to a rank of the node with
    /// nothing queued before it (a request born complete); null: the caller posts it (pinned).</summary>
    internal Request? TrySendNow(byte* data, long bytes, int elementSize, int dest, int tag)
    {
        ThrowIfDisposed();
        CheckDest(dest);
        CheckSendTag(tag);
        return Engine.TrySendEagerNow(Context, Rank, WorldRankOf(dest), tag, data, bytes)
            ? new Request(Engine, new Completion(Rank, tag, bytes, elementSize))
            : null;
    }

    /// <summary>Posts a send (arguments checked) of memory that <paramref name="pin"/> holds pinned: the
    /// engine releases it at the completion, or at once if the post throws.</summary>
    internal Request ISendPinned(long bytes, int elementSize, int dest, int tag, System.Buffers.MemoryHandle pin) =>
        new(Engine, Engine.PostNewSend(Context, Rank, WorldRankOf(dest), tag, elementSize, (byte*)pin.Pointer, bytes, pin, pinned: true));

    /// <summary>No pinning handle unless the send stays pending (Memory&lt;T&gt;.Pin allocates one per
    /// call): an eager send completes inside the post, while the array is fixed here. A small message
    /// to a rank of this node with nothing queued before it is written at once and its request is born
    /// complete, with no pooled operation to describe, complete, harvest and give back: a stream of
    /// 8-byte ISends (osu_bw's window of 64, np 2, cores that share no cache) took 0.21 us a message
    /// instead of 0.30.</summary>
    internal Request ISendArray(Array? array, nint byteOffset, long bytes, int elementSize, int dest, int tag)
    {
        fixed (byte* start = &ArrayBytes(array))
        {
            byte* p = start + byteOffset;
            return TrySendNow(p, bytes, elementSize, dest, tag) // checks the arguments
                ?? new Request(Engine, Engine.PostNewSend(Context, Rank, WorldRankOf(dest), tag, elementSize, p, bytes, default, pinned: false, pinIfPending: array));
        }
    }

    /// <summary>The first byte of <paramref name="array"/>'s elements; a null reference for no array
    /// (an empty message: its address is never read).</summary>
    private static ref byte ArrayBytes(Array? array) =>
        ref array is null ? ref Unsafe.NullRef<byte>() : ref MemoryMarshal.GetArrayDataReference(array);

    /// <summary>Non-blocking receive into <paramref name="buffer"/>.</summary>
    public Request IRecv<T>(Memory<T> buffer, int source, int tag) where T : unmanaged
    {
        if (MemoryMarshal.TryGetArray((ReadOnlyMemory<T>)buffer, out ArraySegment<T> array))
            return IRecvArray(array.Array, (nint)array.Offset * sizeof(T), (long)array.Count * sizeof(T), sizeof(T), source, tag);
        CheckReceive(source, tag); // before pinning: the engine releases the pin from the post on
        return IRecvPinned((long)buffer.Length * sizeof(T), sizeof(T), source, tag, buffer.Pin());
    }

    /// <summary>Non-blocking receive into a whole array.</summary>
    public Request IRecv<T>(T[] buffer, int source, int tag) where T : unmanaged =>
        IRecvArray(buffer, 0, buffer is null ? 0 : (long)buffer.Length * sizeof(T), sizeof(T), source, tag);

    internal void CheckReceive(int source, int tag)
    {
        ThrowIfDisposed();
        CheckSource(source);
        CheckRecvTag(tag);
    }

    /// <summary>Posts a receive (arguments checked) into memory that <paramref name="pin"/> holds pinned:
    /// the engine releases it at the completion, or at once if the post throws.</summary>
    internal Request IRecvPinned(long bytes, int elementSize, int source, int tag, System.Buffers.MemoryHandle pin) =>
        new(Engine, Engine.PostNewReceive(Context, source, SourceWorldOf(source), tag, elementSize, (byte*)pin.Pointer, bytes, pin, pinned: true));

    /// <summary>Not pinned: the engine copies an eager message in under <c>fixed</c> and pins the
    /// array only for a transfer that outlives one call (Memory&lt;T&gt;.Pin allocates a handle per call).</summary>
    internal Request IRecvArray(Array? array, nint byteOffset, long bytes, int elementSize, int source, int tag)
    {
        CheckReceive(source, tag);
        Operation op = Engine.PostNewReceive(Context, source, SourceWorldOf(source), tag, elementSize, null, bytes, default, pinned: false,
            array: array, arrayOffset: byteOffset);
        return new Request(Engine, op);
    }

    /// <summary>Blocks until a matching message is available and describes it without receiving it.
    /// <see cref="Status.ByteCount"/> tells its size.</summary>
    public Status Probe(int source, int tag)
    {
        ThrowIfDisposed();
        CheckSource(source);
        CheckRecvTag(tag);
        return new Status(Engine.Probe(Context, source, SourceWorldOf(source), tag));
    }

    /// <summary>True if a matching message is available now.</summary>
    public bool IProbe(int source, int tag, out Status status)
    {
        ThrowIfDisposed();
        CheckSource(source);
        CheckRecvTag(tag);
        bool found = Engine.TryProbe(Context, source, SourceWorldOf(source), tag, out Completion probed);
        status = found ? new Status(probed) : default;
        return found;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SendInternal(int context, ReadOnlySpan<byte> data, int dest, int tag)
    {
        fixed (byte* p = data) Engine.Send(context, Rank, WorldRankOf(dest), tag, p, data.Length, 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Status RecvInternal(int context, Span<byte> buffer, int source, int tag)
    {
        fixed (byte* p = buffer) return new Status(Engine.Receive(context, source, SourceWorldOf(source), tag, p, buffer.Length, 1));
    }
}
