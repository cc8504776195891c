using HpcMsg.Transports.Wire;

namespace HpcMsg.Transports;

/// <summary>
/// Where a transport that streams frames (TCP: a header, then the payload read in pieces) reports to
/// the engine. The transport reads a header and asks the sink where its payload goes
/// (<see cref="OnHeader"/>), reads it there, then says so (<see cref="OnPayloadDone"/>); it reports
/// frames fully written that carried an owner (<see cref="OnSent"/>), and a peer whose connection broke
/// (<see cref="OnUnsent"/> for each owner whose frame will never be written, then
/// <see cref="OnPeerFailed"/>). Owners are the engine's objects, carried opaquely (as a libfabric
/// context pointer is). One interface call per frame: next to a frame's socket calls, noise.
/// </summary>
internal interface IFrameSink
{
    /// <summary>A frame header from world rank <paramref name="peer"/>: match it, and say where its
    /// payload goes. Throws <see cref="TransportException"/> when the header breaks the protocol: the
    /// transport then closes the connection as malformed, with the exception's message as the reason.</summary>
    PayloadTarget OnHeader(int peer, in RecordHeader header);

    /// <summary>The payload of <paramref name="peer"/>'s current frame is where <see cref="OnHeader"/> said
    /// (called after every payload, and after a frame without one when its target asked to be told).</summary>
    void OnPayloadDone(int peer);

    /// <summary>A frame queued with <paramref name="owner"/> has been fully written.</summary>
    void OnSent(int peer, object owner, RecordKind kind);

    /// <summary>The connection to <paramref name="peer"/> broke: the frame of <paramref name="owner"/> will never be written.</summary>
    void OnUnsent(int peer, object owner);

    /// <summary>The connection to <paramref name="peer"/> broke (after its <see cref="OnUnsent"/> calls):
    /// fail what involves the peer. The transport's failure for it says why.</summary>
    void OnPeerFailed(int peer);
}

/// <summary>Where the payload of an arriving frame goes: pinned or native memory, a managed array,
/// nowhere (read and dropped), or there is none; and whether the sink wants
/// <see cref="IFrameSink.OnPayloadDone"/> for a frame of no payload.</summary>
internal readonly unsafe struct PayloadTarget
{
    public readonly byte* Native;
    public readonly byte[]? Managed;
    public readonly long Length;
    public readonly bool Discard;
    public readonly bool Notify;

    private PayloadTarget(byte* native, byte[]? managed, long length, bool discard, bool notify)
    {
        Native = native;
        Managed = managed;
        Length = length;
        Discard = discard;
        Notify = notify;
    }

    /// <summary>No payload and nothing to tell (a control frame).</summary>
    public static PayloadTarget None => default;

    /// <summary><paramref name="length"/> bytes into native or pinned memory.</summary>
    public static PayloadTarget Into(byte* target, long length) => new(target, null, length, false, true);

    /// <summary><paramref name="length"/> bytes into a managed array (an unexpected message's buffer).</summary>
    public static PayloadTarget Into(byte[] target, long length) => new(null, target, length, false, true);

    /// <summary><paramref name="length"/> bytes read and dropped; <paramref name="notify"/>: tell the sink when done.</summary>
    public static PayloadTarget Dropped(long length, bool notify) => new(null, null, length, true, notify);
}
