using System.Buffers;
using HpcMsg.Serialization;

namespace HpcMsg;

/// <summary>Object messages: any value the serializer handles (see <see cref="ObjectFraming"/>).</summary>
public sealed partial class Communicator
{
    /// <summary>Sends any value the serializer handles (strings, arrays, lists, dictionaries, records and classes with public properties) to <paramref name="dest"/>; blocking, as Send.</summary>
    public void SendObject<T>(T value, int dest, int tag)
    {
        ThrowIfDisposed();
        CheckDest(dest);
        CheckSendTag(tag);
        Send(ObjectFraming.Frame(value), dest, tag);
    }

    /// <summary>Receives a value sent with SendObject; <paramref name="source"/> and <paramref name="tag"/> may be wildcards.</summary>
    public T RecvObject<T>(int source, int tag) => RecvObject<T>(source, tag, out _);

    /// <summary>As RecvObject, with the message's <see cref="Status"/> (its ByteCount is the serialized size).</summary>
    public T RecvObject<T>(int source, int tag, out Status status)
    {
        ThrowIfDisposed();
        CheckSource(source);
        CheckRecvTag(tag);
        Status probed = Engine.Probe(Context, source, SourceWorldOf(source), tag);
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
            return ObjectFraming.Unframe<T>(buffer.AsSpan(0, bytes), status.Source, status.Tag)!;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
