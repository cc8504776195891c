using System.Net.Sockets;
using System.Runtime.InteropServices;
using HpcMsg.Internal;
using HpcMsg.Transports.Wire;

namespace HpcMsg.Transports.Tcp;

/// <summary>
/// One authenticated, non-blocking TCP connection to a rank on another host. Frames carry the same
/// 48-byte <see cref="RecordHeader"/> as the shared-memory rings, then the payload of Eager and Data
/// frames. A frame is written with one gather write (sendmsg) of its header and its payload, straight
/// from the sender's buffer: a small message is one system call and one TCP segment (two writes were
/// two segments, and the receiver often woke for the header alone). Reads go through a small buffer
/// of the connection's: one read takes a small frame whole (often the next ones too), and the payload
/// is copied to the posted receive (or a bounded pooled buffer for an unexpected eager message); what
/// the buffer cannot hold is read straight into the receive. Driven by the progress loop: no thread per peer. It knows nothing of the engine: what arrives and what has been sent is
/// reported through <see cref="ITcpFrameSink"/>, and a frame carries its sender's object opaquely.
/// </summary>
internal sealed unsafe class TcpConnection : IDisposable
{
    private const int MaxChunk = 1 << 30;
    private const int DiscardBytes = 64 * 1024;

    /// <summary>The read buffer: 8 KiB per connection (Open MPI's tcp btl caches 30 KiB per endpoint).
    /// A payload with more than half of it still to come is read straight into its target.</summary>
    internal const int ReadBufferBytes = 8 * 1024;

    public readonly int PeerWorld;

    /// <summary>The socket, once the connection is open; null while it is being opened (frames
    /// queue meanwhile, in order, and go out when it is attached).</summary>
    public Socket? Socket { get; private set; }
    private string _peerAddress = "not yet connected";

    // Receiving: a header, then (for Eager and Data) its payload into the target set by the engine.
    // Bytes read and not yet taken are _rxBuffer[_rxStart.._rxEnd).
    private byte[]? _rxBuffer;
    private int _rxStart;
    private int _rxEnd;
    private bool _rxInPayload;
    private byte* _rxNative;
    private byte[]? _rxManaged;
    private long _rxLength;
    private long _rxDone;
    private bool _rxDiscard;
    private byte[]? _discardBuffer;

    // Sending: frames in order; the head frame's progress lives in these fields.
    private readonly Queue<TcpFrame> _tx = new();
    private readonly byte[] _txHeader = GC.AllocateArray<byte>(RecordHeader.Size, pinned: true);
    private int _txHeaderSent = -1;
    private long _txPayloadSent;

    public TcpConnection(int peerWorld, Socket socket) : this(peerWorld) => Attach(socket);

    /// <summary>A connection being opened (by either side): frames may be queued, nothing is read or written yet.</summary>
    public TcpConnection(int peerWorld) => PeerWorld = peerWorld;

    /// <summary>The connection is open: queued frames go out from the next flush.</summary>
    public void Attach(Socket socket)
    {
        Socket = socket;
        _peerAddress = socket.RemoteEndPoint?.ToString() ?? "?";
        socket.NoDelay = true;
        socket.Blocking = false;
        _rxBuffer ??= new byte[ReadBufferBytes];
    }

    public bool Connected => Socket is not null;

    public bool HasPendingSends => _tx.Count > 0;

    /// <summary>The peer announced an orderly close (a Bye frame at finalize, or an Abort frame) and
    /// then closed the connection: nothing more will come, and this is no failure.</summary>
    public bool ClosedByPeer { get; private set; }

    /// <summary>The peer sent Bye (it finalizes) or Abort: an end of stream after it is orderly.</summary>
    public bool PeerAnnouncedClose { get; set; }

    /// <summary>Why this connection broke (the peer died, or sent what the protocol forbids); null
    /// while it works. A broken connection's socket is closed and never touched again.</summary>
    public TransportException? Failure { get; private set; }

    /// <summary>Neither closed nor broken: frames may still be read and written.</summary>
    public bool Usable => Failure is null && !ClosedByPeer;

    public string Describe(int localRank) => $"rank {localRank}: the connection to rank {PeerWorld} ({_peerAddress})";

    public void Enqueue(in TcpFrame frame) => _tx.Enqueue(frame);

    /// <summary>Writes as much as the socket takes; completes frames that are fully out. Each write is
    /// one sendmsg of what is left of the head frame's header and payload.</summary>
    public bool FlushSends(ITcpFrameSink sink)
    {
        bool progressed = false;
        Socket? socket = Socket;
        if (socket is null) return false;
        while (_tx.Count > 0)
        {
            TcpFrame frame = _tx.Peek();
            if (_txHeaderSent < 0)
            {
                MemoryMarshal.Write(_txHeader, in frame.Header);
                _txHeaderSent = 0;
                _txPayloadSent = 0;
            }
            while (_txHeaderSent < RecordHeader.Size || _txPayloadSent < frame.PayloadBytes)
            {
                long n = Write(socket, frame, out int errno);
                if (n < 0)
                {
                    if (errno == Native.EAGAIN) return progressed;
                    if (errno == Native.EINTR) continue;
                    throw Broken(sink.LocalRank, $"send failed ({Marshal.GetPInvokeErrorMessage(errno)})");
                }
                int header = (int)Math.Min(n, RecordHeader.Size - _txHeaderSent);
                _txHeaderSent += header;
                _txPayloadSent += n - header;
                progressed = true;
            }
            _tx.Dequeue();
            _txHeaderSent = -1;
            sink.OnFrameSent(this, frame);
            progressed = true;
        }
        return progressed;
    }

    /// <summary>One sendmsg of the rest of <paramref name="frame"/>'s header and payload (at most
    /// <see cref="MaxChunk"/> of it); the bytes written, or -1 and <paramref name="errno"/>.</summary>
    private long Write(Socket socket, in TcpFrame frame, out int errno)
    {
        Native.IoVec* iov = stackalloc Native.IoVec[2];
        int count = 0;
        if (_txHeaderSent < RecordHeader.Size)
        {
            iov[0].Base = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_txHeader, _txHeaderSent);
            iov[0].Length = (nuint)(RecordHeader.Size - _txHeaderSent);
            count = 1;
        }
        long payloadLeft = frame.PayloadBytes - _txPayloadSent;
        if (payloadLeft > 0)
        {
            iov[count].Base = frame.Payload + _txPayloadSent;
            iov[count].Length = (nuint)Math.Min(payloadLeft, MaxChunk);
            count++;
        }
        Native.MsgHdr message = default;
        message.Iov = iov;
        message.IovLength = (nuint)count;
        // A reference on the handle for the call: the descriptor cannot be closed (and its number
        // reused) under it, whoever disposes the socket.
        SafeHandle handle = socket.SafeHandle;
        bool taken = false;
        try
        {
            handle.DangerousAddRef(ref taken);
            nint n = Native.sendmsg((int)handle.DangerousGetHandle(), &message, Native.MsgNoSignal);
            errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            return n;
        }
        finally
        {
            if (taken) handle.DangerousRelease();
        }
    }

    /// <summary>Reads what has arrived; hands each header and each finished payload to the engine.
    /// A read into the connection's buffer that comes back short has emptied the socket: what the
    /// frames need beyond it waits for the next pass, without a read that would only say so.</summary>
    public bool Receive(ITcpFrameSink sink)
    {
        bool progressed = false;
        Socket? socket = Socket;
        if (socket is null) return false;
        byte[] buffer = _rxBuffer!;
        bool drained = false;
        for (int frames = 0; frames < 64; frames++)
        {
            if (!_rxInPayload)
            {
                if (_rxEnd - _rxStart < RecordHeader.Size)
                {
                    if (drained) return progressed;
                    int held = _rxEnd - _rxStart;
                    if (_rxStart > 0)
                    {
                        buffer.AsSpan(_rxStart, held).CopyTo(buffer);
                        _rxStart = 0;
                        _rxEnd = held;
                    }
                    int want = buffer.Length - _rxEnd;
                    int n = socket.Receive(buffer.AsSpan(_rxEnd, want), SocketFlags.None, out SocketError error);
                    if (error == SocketError.WouldBlock) return progressed;
                    if (error != SocketError.Success)
                    {
                        // A reset after the peer's Bye or Abort (it exited with data of ours unread) is its close.
                        if (PeerAnnouncedClose && held == 0)
                        {
                            ClosedByPeer = true;
                            return progressed;
                        }
                        throw Broken(sink.LocalRank, $"receive failed ({error})");
                    }
                    if (n == 0)
                    {
                        if (held != 0) throw Broken(sink.LocalRank, "the peer closed it in the middle of a frame header");
                        // Between frames, an end of stream is orderly only after the peer said so
                        // (Bye at finalize, or Abort); otherwise its process ended without finalizing.
                        if (!PeerAnnouncedClose) throw Broken(sink.LocalRank, "the peer closed it without finalizing (its process ended)");
                        ClosedByPeer = true;
                        return progressed;
                    }
                    _rxEnd += n;
                    drained = n < want;
                    progressed = true;
                    if (_rxEnd - _rxStart < RecordHeader.Size) continue;
                }
                RecordHeader header = MemoryMarshal.Read<RecordHeader>(buffer.AsSpan(_rxStart));
                _rxStart += RecordHeader.Size;
                _rxLength = 0;
                bool notify = sink.OnHeader(this, header);
                if (_rxLength == 0)
                {
                    if (notify) sink.OnPayloadDone(this);
                    continue;
                }
                _rxInPayload = true;
                _rxDone = 0;
            }
            while (_rxDone < _rxLength)
            {
                long rest = _rxLength - _rxDone;
                if (_rxEnd > _rxStart)
                {
                    int take = (int)Math.Min(rest, _rxEnd - _rxStart);
                    TakePayload(buffer.AsSpan(_rxStart, take));
                    _rxStart += take;
                    continue;
                }
                _rxStart = _rxEnd = 0;
                if (drained) return progressed;
                int n;
                SocketError error;
                int want;
                if (rest <= buffer.Length / 2)
                {
                    // The rest of a small payload, and whatever follows it, through the buffer.
                    want = buffer.Length;
                    n = socket.Receive(buffer, SocketFlags.None, out error);
                    if (error == SocketError.Success) _rxEnd = n;
                }
                else
                {
                    want = (int)Math.Min(rest, _rxDiscard ? DiscardBytes : MaxChunk);
                    if (_rxDiscard) n = socket.Receive(_discardBuffer.AsSpan(0, want), SocketFlags.None, out error);
                    else if (_rxManaged is not null) n = socket.Receive(_rxManaged.AsSpan((int)_rxDone, want), SocketFlags.None, out error);
                    else n = socket.Receive(new Span<byte>(_rxNative + _rxDone, want), SocketFlags.None, out error);
                    if (error == SocketError.Success) _rxDone += n;
                }
                if (error == SocketError.WouldBlock) return progressed;
                if (error != SocketError.Success) throw Broken(sink.LocalRank, $"receive failed ({error})");
                if (n == 0) throw Broken(sink.LocalRank, "the peer closed it in the middle of a message");
                drained = n < want;
                progressed = true;
            }
            _rxInPayload = false;
            sink.OnPayloadDone(this);
        }
        return progressed;
    }

    /// <summary>Bytes of the current payload from the read buffer, to where the engine said.</summary>
    private void TakePayload(ReadOnlySpan<byte> bytes)
    {
        if (!_rxDiscard)
        {
            if (_rxManaged is not null) bytes.CopyTo(_rxManaged.AsSpan((int)_rxDone));
            else bytes.CopyTo(new Span<byte>(_rxNative + _rxDone, bytes.Length));
        }
        _rxDone += bytes.Length;
    }

    /// <summary>The payload of the current frame goes to pinned or native memory.</summary>
    public void ExpectPayload(byte* target, long length)
    {
        _rxNative = target;
        _rxManaged = null;
        _rxDiscard = false;
        _rxLength = length;
    }

    public void ExpectPayload(byte[] target, long length)
    {
        _rxNative = null;
        _rxManaged = target;
        _rxDiscard = false;
        _rxLength = length;
    }

    /// <summary>The payload of the current frame is read and dropped (a truncated message).</summary>
    public void DiscardPayload(long length)
    {
        _discardBuffer ??= new byte[DiscardBytes];
        _rxNative = null;
        _rxManaged = null;
        _rxDiscard = true;
        _rxLength = length;
    }

    /// <summary>The receive the current payload was going to has been abandoned (its buffer is no
    /// longer pinned): read the rest of the payload and drop it.</summary>
    public void DiscardRestOfPayload()
    {
        if (_rxNative == null) return; // already dropping, or going to a pooled array
        _discardBuffer ??= new byte[DiscardBytes];
        _rxNative = null;
        _rxDiscard = true;
    }

    /// <summary>An abandoned send's payload now lives at <paramref name="copy"/>: frames not yet
    /// fully written take it from there, the head frame from where it had got to.</summary>
    public void RetargetPayload(object owner, byte* copy)
    {
        int n = _tx.Count;
        for (int i = 0; i < n; i++)
        {
            TcpFrame f = _tx.Dequeue();
            _tx.Enqueue(f.Owner == owner && f.PayloadBytes > 0 ? new TcpFrame(f.Header, copy, f.PayloadBytes, owner) : f);
        }
    }

    public TransportException Broken(int localRank, string why) =>
        Fail(TransportException.PeerLost(PeerWorld, $"{Describe(localRank)} broke: {why}"));

    public TransportException Malformed(int localRank, string why) =>
        Fail(TransportException.PeerLost(PeerWorld, $"{Describe(localRank)} sent a malformed frame ({why}); the connection was closed"));

    /// <summary>Marks the connection broken (the first reason wins) and closes its socket.</summary>
    public TransportException Fail(TransportException why)
    {
        Failure ??= why;
        Dispose();
        return Failure;
    }

    /// <summary>Takes the frames that will never be written now (the connection broke or closed).</summary>
    public bool TryTakeUnsent(out TcpFrame frame)
    {
        _txHeaderSent = -1;
        return _tx.TryDequeue(out frame);
    }

    public void Dispose() => Socket?.Dispose();
}

/// <summary>A frame waiting to be written: its header, the memory its payload comes from, and the
/// object of whoever queued it (handed back in <see cref="ITcpFrameSink.OnFrameSent"/>; the connection
/// never looks into it), as a libfabric context pointer is.</summary>
internal readonly unsafe struct TcpFrame(RecordHeader header, byte* payload, long payloadBytes, object? owner)
{
    public readonly RecordHeader Header = header;
    public readonly byte* Payload = payload;
    public readonly long PayloadBytes = payloadBytes;
    public readonly object? Owner = owner;
}

/// <summary>
/// Where a <see cref="TcpConnection"/> reports to (TcpTransport implements it): frames fully written,
/// frame headers read (the sink decides where the payload goes: <see cref="TcpConnection.ExpectPayload(byte*, long)"/>,
/// <see cref="TcpConnection.DiscardPayload"/>, or nothing), and payloads fully read. One interface call
/// per frame: next to the socket calls each frame costs, that is noise.
/// </summary>
internal interface ITcpFrameSink
{
    /// <summary>This rank's world rank, for the connection's error messages.</summary>
    int LocalRank { get; }

    /// <summary>The frame has been fully written to the socket.</summary>
    void OnFrameSent(TcpConnection c, in TcpFrame frame);

    /// <summary>A frame header has been read. True when the sink wants <see cref="OnPayloadDone"/> even
    /// for a frame without payload; after a payload it is called always.</summary>
    bool OnHeader(TcpConnection c, in RecordHeader header);

    /// <summary>The payload of the current frame has been read (into where the sink said).</summary>
    void OnPayloadDone(TcpConnection c);
}
