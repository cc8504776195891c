using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HpcMsg.Engine;
using HpcMsg.Internal;

namespace HpcMsg;

/// <summary>Typed point-to-point: spans and values of unmanaged types become bytes here, and the
/// engine does the rest. Blocking calls pin with <c>fixed</c>; non-blocking ones on an array pin it
/// only while the engine needs its address beyond the call (a pending send, a large receive), and
/// on other memory pin it until their request completes.</summary>
public sealed unsafe partial class Communicator
{
    /// <summary>Blocking standard-mode send; returns when <paramref name="data"/> may be reused.</summary>
    public void Send<T>(ReadOnlySpan<T> data, int dest, int tag) where T : unmanaged
    {
        ThrowIfDisposed();
        CheckDest(dest);
        CheckSendTag(tag);
        fixed (T* p = data)
            Engine.Send(Context, Rank, WorldRankOf(dest), tag, (byte*)p, (long)data.Length * sizeof(T), sizeof(T));
    }

    /// <summary>Sends one element (a blocking standard-mode send).</summary>
    public void Send<T>(T value, int dest, int tag) where T : unmanaged =>
        Send(new ReadOnlySpan<T>(in value), dest, tag);

    /// <summary>Blocking receive. A longer message throws <see cref="MessageTruncatedException"/> (and is consumed).</summary>
    public Status Recv<T>(Span<T> buffer, int source, int tag) where T : unmanaged
    {
        ThrowIfDisposed();
        CheckSource(source);
        CheckRecvTag(tag);
        fixed (T* p = buffer)
            return new Status(Engine.Receive(Context, source, SourceWorldOf(source), tag, (byte*)p, (long)buffer.Length * sizeof(T), sizeof(T)));
    }

    /// <summary>Receives one element; <paramref name="source"/> and <paramref name="tag"/> may be wildcards.</summary>
    public T Recv<T>(int source, int tag) where T : unmanaged => Recv<T>(source, tag, out _);

    /// <summary>Receives one element and says who sent it with which tag.</summary>
    public T Recv<T>(int source, int tag, out Status status) where T : unmanaged
    {
        T value = default;
        status = Recv(new Span<T>(ref value), source, tag);
        return value;
    }

    /// <summary>Sends and receives at once; never deadlocks against a matching SendRecv. The two
    /// buffers may be the same or overlap (a halo exchanged in place): the send then goes from a copy
    /// taken before the receive can write.</summary>
    public Status SendRecv<T>(ReadOnlySpan<T> send, int dest, int sendTag, Span<T> recv, int source, int recvTag) where T : unmanaged
    {
        ThrowIfDisposed();
        CheckDest(dest);
        CheckSendTag(sendTag, nameof(sendTag));
        CheckSource(source);
        CheckRecvTag(recvTag, nameof(recvTag));
        long sendBytes = (long)send.Length * sizeof(T);
        fixed (T* s = send)
        fixed (T* r = recv)
        {
            if (sendBytes <= Engine.EagerLimitEverywhere)
            {
                // An eager send completes without its receiver, so the plain blocking pair cannot
                // deadlock against the peer's; it takes no pooled request (~0.1 us of a 4-byte
                // exchange), and it has left the send buffer before the receive writes, so
                // overlapping buffers need no copy.
                Engine.Send(Context, Rank, WorldRankOf(dest), sendTag, (byte*)s, sendBytes, sizeof(T));
                return new Status(Engine.Receive(Context, source, SourceWorldOf(source), recvTag, (byte*)r, (long)recv.Length * sizeof(T), sizeof(T)));
            }
            // A large send is read by the peer, or a queued eager one by the engine, after the
            // receive may have written the same bytes: without the copy the peer could get our
            // received data in place of what we sent.
            using ScratchBuffer copy = CopyIfOverlapping((byte*)s, sendBytes, (byte*)r, (long)recv.Length * sizeof(T), out byte* from);
            Operation sendOp = Engine.RentOperation();
            sendOp.Reset(RequestKind.Send, Context, WorldRankOf(dest), sendTag, sizeof(T), from, sendBytes);
            sendOp.State.SourceInComm = Rank;
            Engine.PostSend(sendOp);
            Status status;
            try
            {
                status = new Status(Engine.Receive(Context, source, SourceWorldOf(source), recvTag, (byte*)r, (long)recv.Length * sizeof(T), sizeof(T)));
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
    }

    /// <summary>Non-blocking send. Do not modify <paramref name="data"/> until the request completes.</summary>
    public Request ISend<T>(ReadOnlyMemory<T> data, int dest, int tag) where T : unmanaged
    {
        if (MemoryMarshal.TryGetArray(data, out ArraySegment<T> array)) return ISendArray(array.Array, array.Offset, array.Count, dest, tag);
        ThrowIfDisposed();
        CheckDest(dest);
        CheckSendTag(tag);
        int destWorld = WorldRankOf(dest);
        long bytes = (long)data.Length * sizeof(T);
        fixed (T* p = data.Span)
        {
            if (Engine.TrySendEagerNow(Context, Rank, destWorld, tag, (byte*)p, bytes))
                return new Request(Engine, new Completion(Rank, tag, bytes, sizeof(T)));
        }
        System.Buffers.MemoryHandle pin = data.Pin();
        Operation op = Engine.PostNewSend(Context, Rank, destWorld, tag, sizeof(T), (byte*)pin.Pointer, bytes, pin, pinned: true);
        return new Request(Engine, op);
    }

    /// <summary>Non-blocking send of <paramref name="data"/>, as the <see cref="ReadOnlyMemory{T}"/>
    /// overload: so that <c>ISend(array.AsMemory(0, n), dest, tag)</c> infers <typeparamref name="T"/>
    /// (C# infers nothing through the implicit conversion to <see cref="ReadOnlyMemory{T}"/>).</summary>
    public Request ISend<T>(Memory<T> data, int dest, int tag) where T : unmanaged => ISend((ReadOnlyMemory<T>)data, dest, tag);

    /// <summary>Non-blocking send of a whole array; do not modify it until the request completes.</summary>
    public Request ISend<T>(T[] data, int dest, int tag) where T : unmanaged => ISendArray(data, 0, data?.Length ?? 0, dest, tag);

    /// <summary>No pinning handle unless the send stays pending (Memory&lt;T&gt;.Pin allocates one per
    /// call): an eager send completes inside the post, while the array is fixed here. A small message
    /// to a rank of this node with nothing queued before it is written at once and its request is born
    /// complete, with no pooled operation to describe, complete, harvest and give back: a stream of
    /// 8-byte ISends (osu_bw's window of 64, np 2, cores that share no cache) took 0.21 us a message
    /// instead of 0.30.</summary>
    private Request ISendArray<T>(T[]? array, int offset, int count, int dest, int tag) where T : unmanaged
    {
        ThrowIfDisposed();
        CheckDest(dest);
        CheckSendTag(tag);
        Operation op;
        int destWorld = WorldRankOf(dest);
        long bytes = (long)count * sizeof(T);
        fixed (T* p = new ReadOnlySpan<T>(array, offset, count))
        {
            if (Engine.TrySendEagerNow(Context, Rank, destWorld, tag, (byte*)p, bytes))
                return new Request(Engine, new Completion(Rank, tag, bytes, sizeof(T)));
            op = Engine.PostNewSend(Context, Rank, destWorld, tag, sizeof(T), (byte*)p, bytes, default, pinned: false, pinIfPending: array);
        }
        return new Request(Engine, op);
    }

    /// <summary>Non-blocking receive into <paramref name="buffer"/>.</summary>
    public Request IRecv<T>(Memory<T> buffer, int source, int tag) where T : unmanaged
    {
        if (MemoryMarshal.TryGetArray((ReadOnlyMemory<T>)buffer, out ArraySegment<T> array)) return IRecvArray(array.Array, array.Offset, array.Count, source, tag);
        ThrowIfDisposed();
        CheckSource(source);
        CheckRecvTag(tag);
        System.Buffers.MemoryHandle pin = buffer.Pin();
        Operation op = Engine.PostNewReceive(Context, source, SourceWorldOf(source), tag, sizeof(T), (byte*)pin.Pointer, (long)buffer.Length * sizeof(T), pin, pinned: true);
        return new Request(Engine, op);
    }

    /// <summary>Non-blocking receive into a whole array.</summary>
    public Request IRecv<T>(T[] buffer, int source, int tag) where T : unmanaged => IRecvArray(buffer, 0, buffer?.Length ?? 0, source, tag);

    /// <summary>Not pinned: the engine copies an eager message in under <c>fixed</c> and pins the
    /// array only for a transfer that outlives one call (Memory&lt;T&gt;.Pin allocates a handle per call).</summary>
    private Request IRecvArray<T>(T[]? array, int offset, int count, int source, int tag) where T : unmanaged
    {
        ThrowIfDisposed();
        CheckSource(source);
        CheckRecvTag(tag);
        Operation op = Engine.PostNewReceive(Context, source, SourceWorldOf(source), tag, sizeof(T), null, (long)count * sizeof(T), default, pinned: false,
            array: array, arrayOffset: (nint)offset * sizeof(T));
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
