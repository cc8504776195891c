using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;
using HpcMsg.Collectives;
using HpcMsg.Engine;
using HpcMsg.Serialization;

namespace HpcMsg;

/// <summary>Object messages: any value the serializer handles (see <see cref="ObjectFraming"/>), by
/// reflection or, trimming- and AOT-safe, through a <see cref="JsonTypeInfo{T}"/> from a
/// source-generated JsonSerializerContext. Both forms put the same bytes on the wire.</summary>
public sealed unsafe partial class Communicator
{
    /// <summary>Sends any value the serializer handles (strings, arrays, lists, dictionaries, records and classes with public properties) to <paramref name="dest"/>; blocking, as Send.</summary>
    [RequiresUnreferencedCode(ObjectFraming.ReflectionWarning)]
    [RequiresDynamicCode(ObjectFraming.ReflectionWarning)]
    public void SendObject<T>(T value, int dest, int tag)
    {
        CheckObjectSend(dest, tag);
        Send(ObjectFraming.Frame(value), dest, tag);
    }

    /// <summary>As SendObject, serializing through <paramref name="type"/> (System.Text.Json source generation): works trimmed and in Native AOT.</summary>
    public void SendObject<T>(T value, JsonTypeInfo<T> type, int dest, int tag)
    {
        ArgumentNullException.ThrowIfNull(type);
        CheckObjectSend(dest, tag);
        Send(ObjectFraming.Frame(value, type), dest, tag);
    }

    /// <summary>Receives a value sent with SendObject; <paramref name="source"/> and <paramref name="tag"/> may be wildcards.</summary>
    [RequiresUnreferencedCode(ObjectFraming.ReflectionWarning)]
    [RequiresDynamicCode(ObjectFraming.ReflectionWarning)]
    public T RecvObject<T>(int source, int tag) => RecvObject<T>(source, tag, out _);

    /// <summary>As RecvObject, with the message's <see cref="Status"/> (its ByteCount is the serialized size).</summary>
    [RequiresUnreferencedCode(ObjectFraming.ReflectionWarning)]
    [RequiresDynamicCode(ObjectFraming.ReflectionWarning)]
    public T RecvObject<T>(int source, int tag, out Status status)
    {
        byte[] buffer = ReceiveObjectMessage(source, tag, out status);
        try
        {
            return ObjectFraming.Unframe<T>(buffer.AsSpan(0, (int)status.ByteCount), status.Source, status.Tag)!;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Receives a value sent with SendObject, deserializing through <paramref name="type"/>: works trimmed and in Native AOT.</summary>
    public T RecvObject<T>(JsonTypeInfo<T> type, int source, int tag) => RecvObject(type, source, tag, out _);

    /// <summary>As <see cref="RecvObject{T}(JsonTypeInfo{T}, int, int)"/>, with the message's <see cref="Status"/>.</summary>
    public T RecvObject<T>(JsonTypeInfo<T> type, int source, int tag, out Status status)
    {
        ArgumentNullException.ThrowIfNull(type);
        byte[] buffer = ReceiveObjectMessage(source, tag, out status);
        try
        {
            return ObjectFraming.Unframe(buffer.AsSpan(0, (int)status.ByteCount), type, status.Source, status.Tag)!;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Broadcasts any value the object serializer handles (see SendObject) from <paramref name="root"/>; every rank gets its value.</summary>
    [RequiresUnreferencedCode(ObjectFraming.ReflectionWarning)]
    [RequiresDynamicCode(ObjectFraming.ReflectionWarning)]
    public T BroadcastObject<T>(T value, int root)
    {
        CollectiveTransport t = Collective;
        CheckRoot(root);
        if (Rank == root)
        {
            BroadcastFrame(t, ObjectFraming.Frame(value), root);
            return value;
        }
        byte[] buffer = ReceiveBroadcastFrame(t, root, out int length);
        try
        {
            return ObjectFraming.Unframe<T>(buffer.AsSpan(0, length), root, CollectiveTags.Bcast)!;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>As BroadcastObject, serializing through <paramref name="type"/>: works trimmed and in Native AOT.</summary>
    public T BroadcastObject<T>(T value, JsonTypeInfo<T> type, int root)
    {
        ArgumentNullException.ThrowIfNull(type);
        CollectiveTransport t = Collective;
        CheckRoot(root);
        if (Rank == root)
        {
            BroadcastFrame(t, ObjectFraming.Frame(value, type), root);
            return value;
        }
        byte[] buffer = ReceiveBroadcastFrame(t, root, out int length);
        try
        {
            return ObjectFraming.Unframe(buffer.AsSpan(0, length), type, root, CollectiveTags.Bcast)!;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void CheckObjectSend(int dest, int tag)
    {
        ThrowIfDisposed();
        CheckDest(dest);
        CheckSendTag(tag);
    }

    /// <summary>Receives the next matching object message into a rented buffer (the caller returns it);
    /// its size is checked before anything is allocated for it.</summary>
    private byte[] ReceiveObjectMessage(int source, int tag, out Status status)
    {
        ThrowIfDisposed();
        CheckSource(source);
        CheckRecvTag(tag);
        Completion probed = Engine.Probe(Context, source, SourceWorldOf(source), tag);
        try
        {
            ObjectFraming.CheckMessageSize(probed.ByteCount, probed.Source, probed.Tag);
        }
        catch (HpcMsgException)
        {
            // Consume the refused message (a zero-byte receive truncates it) so it cannot block later ones.
            try { Recv(Span<byte>.Empty, probed.Source, probed.Tag); }
            catch (MessageTruncatedException) { }
            throw;
        }
        int bytes = (int)probed.ByteCount;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            status = Recv(buffer.AsSpan(0, bytes), probed.Source, probed.Tag);
            return buffer;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>The root's half of an object broadcast: the frame's length, then the frame.</summary>
    private static void BroadcastFrame(CollectiveTransport t, ReadOnlySpan<byte> framed, int root)
    {
        long length = framed.Length;
        Collectives.Broadcast.Run(t, (byte*)&length, sizeof(long), root);
        fixed (byte* p = framed) Collectives.Broadcast.Run(t, p, framed.Length, root);
    }

    /// <summary>The other ranks' half: the length (checked before anything is allocated), then the frame into a rented buffer.</summary>
    private static byte[] ReceiveBroadcastFrame(CollectiveTransport t, int root, out int length)
    {
        long received = 0;
        Collectives.Broadcast.Run(t, (byte*)&received, sizeof(long), root);
        ObjectFraming.CheckMessageSize(received, root, CollectiveTags.Bcast);
        length = (int)received;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            fixed (byte* p = buffer) Collectives.Broadcast.Run(t, p, length, root);
            return buffer;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
