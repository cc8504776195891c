using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace HpcMsg.Serialization;

/// <summary>
/// The object path (SendObject/RecvObject), kept apart from the typed-buffer fast path.
/// Serializer: System.Text.Json (UTF-8), which ships with .NET and is maintained with it, needs no
/// attributes on user types (public properties and fields, records through their constructors,
/// collections, dictionaries with string or numeric keys), and reads only what it is given.
/// <code>
///  0 magic "HMO1" (4) | 4 reserved (4) | 8 payload length (8) | 16 UTF-8 JSON payload
/// </code>
/// The length is checked against the message size and against HPCMSG_MAX_OBJECT_BYTES before any
/// buffer is rented, so a wrong or hostile length never causes a huge allocation.
/// </summary>
internal static class ObjectFraming
{
    public const int HeaderBytes = 16;

    /// <summary>Why the overloads without a JsonTypeInfo are not trimming- or AOT-safe, and what to use instead.</summary>
    public const string ReflectionWarning =
        "Serializes by reflection, which trimming and Native AOT may break; use the overload taking a JsonTypeInfo<T> from a JsonSerializerContext (System.Text.Json source generation).";
    private const uint Magic = 0x314F4D48; // "HMO1"

    /// <summary>HPCMSG_MAX_OBJECT_BYTES: largest object message accepted (default 512 MiB).</summary>
    public static readonly long MaxObjectBytes = Configuration.Parameters.MaxObjectBytes.Read();

    private static readonly JsonSerializerOptions Options = new()
    {
        IncludeFields = true,
    };

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_writer;

    /// <summary>Serializes into a reused per-thread buffer by reflection; the span is valid until the next call.</summary>
    [RequiresUnreferencedCode(ReflectionWarning)]
    [RequiresDynamicCode(ReflectionWarning)]
    public static ReadOnlySpan<byte> Frame<T>(T value)
    {
        ArrayBufferWriter<byte> writer = StartFrame();
        using (var json = new Utf8JsonWriter(writer)) JsonSerializer.Serialize(json, value, Options);
        return FinishFrame(writer);
    }

    /// <summary>Serializes through source-generated metadata (trimming- and AOT-safe); the span is valid until the next call.</summary>
    public static ReadOnlySpan<byte> Frame<T>(T value, JsonTypeInfo<T> type)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArrayBufferWriter<byte> writer = StartFrame();
        using (var json = new Utf8JsonWriter(writer)) JsonSerializer.Serialize(json, value, type);
        return FinishFrame(writer);
    }

    private static ArrayBufferWriter<byte> StartFrame()
    {
        ArrayBufferWriter<byte> writer = t_writer ??= new ArrayBufferWriter<byte>(256);
        writer.ResetWrittenCount();
        writer.Advance(HeaderBytes);
        return writer;
    }

    private static ReadOnlySpan<byte> FinishFrame(ArrayBufferWriter<byte> writer)
    {
        long payload = writer.WrittenCount - HeaderBytes;
        if (payload > MaxObjectBytes)
            throw new HpcMsgException($"the serialized object has {payload} bytes, more than HPCMSG_MAX_OBJECT_BYTES={MaxObjectBytes}");
        Span<byte> written = System.Runtime.InteropServices.MemoryMarshal.AsMemory(writer.WrittenMemory).Span;
        BinaryPrimitives.WriteUInt32LittleEndian(written, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(written[4..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(written[8..], payload);
        return written;
    }

    /// <summary>Refuses a message size before anything is allocated for it.</summary>
    public static void CheckMessageSize(long messageBytes, int source, int tag)
    {
        if (messageBytes < HeaderBytes)
            throw new HpcMsgException($"message from rank {source} with tag {tag} has {messageBytes} bytes: too short for an object message (was it sent with Send instead of SendObject?)");
        if (messageBytes - HeaderBytes > MaxObjectBytes)
            throw new HpcMsgException($"object message from rank {source} with tag {tag} has {messageBytes} bytes, more than HPCMSG_MAX_OBJECT_BYTES={MaxObjectBytes}; it was discarded");
    }

    /// <summary>Deserializes by reflection, after checking the frame.</summary>
    [RequiresUnreferencedCode(ReflectionWarning)]
    [RequiresDynamicCode(ReflectionWarning)]
    public static T? Unframe<T>(ReadOnlySpan<byte> message, int source, int tag) =>
        JsonSerializer.Deserialize<T>(Payload(message, source, tag), Options);

    /// <summary>Deserializes through source-generated metadata, after checking the frame.</summary>
    public static T? Unframe<T>(ReadOnlySpan<byte> message, JsonTypeInfo<T> type, int source, int tag)
    {
        ArgumentNullException.ThrowIfNull(type);
        return JsonSerializer.Deserialize(Payload(message, source, tag), type);
    }

    private static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> message, int source, int tag)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(message) != Magic)
            throw new HpcMsgException($"message from rank {source} with tag {tag} is not an object message (bad magic; was it sent with Send instead of SendObject?)");
        long payload = BinaryPrimitives.ReadInt64LittleEndian(message[8..]);
        if (payload != message.Length - HeaderBytes)
            throw new HpcMsgException($"object message from rank {source} with tag {tag} claims {payload} payload bytes but carries {message.Length - HeaderBytes}");
        return message[HeaderBytes..];
    }
}
