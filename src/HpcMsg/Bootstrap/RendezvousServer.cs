using System.Net;
using System.Net.Sockets;

namespace HpcMsg.Bootstrap;

/// <summary>
/// hpcrun's side of a multi-host job's bootstrap: a small directory of endpoints. Each rank connects,
/// proves the job secret, and publishes its TCP endpoint; once all have published, each is told so
/// (16 bytes, the Init barrier), and from then on a rank asks for a peer's endpoint when it first
/// dials that peer (<see cref="LifelineFrame"/>: request, answer). The connections stay open for the
/// whole job as lifelines: hpcrun says there that the job is ending, a rank says there that it
/// aborts, and a rank whose connection drops knows that hpcrun is gone and exits. Strangers are
/// refused and logged, and so is a rank's request that cannot be answered; neither disturbs the job.
/// <para>
/// Scales to thousands of ranks: no thread per rank (every connection is served by asynchronous
/// socket calls: handshake, endpoint, then one pending 16-byte read at a time for the rank's requests,
/// its abort word or its close), and O(n) bytes in all at Init: the same 16 bytes to every rank,
/// instead of the whole table (n entries) to each. A rank's frames go out one at a time (a gate per
/// rank), so that an answer, the barrier and the job-end word never interleave. See docs/scaling.md
/// for the figures at 4,096 ranks.
/// </para>
/// </summary>
internal sealed class RendezvousServer : IDisposable
{
    public const int MaxEndpointBytes = 256;

    /// <summary>How long the job-end word may take to go out to all ranks (a stuck host must not stall the teardown).</summary>
    private static readonly TimeSpan AnnounceLimit = TimeSpan.FromSeconds(1);

    private readonly Socket _listener;
    private readonly int _np;
    private readonly byte[] _secret;
    private readonly byte[]?[] _endpoints;
    private readonly Line?[] _lines;
    private readonly Lock _lock = new();
    private readonly Action<string> _log;
    private readonly int?[] _abortCodes;
    private readonly ManualResetEventSlim?[] _closed;
    private readonly CancellationTokenSource _stop = new();
    private int _published;
    private volatile bool _ready;
    private volatile bool _disposed;
    private long _bytesSent;
    private long _endpointsSent;
    private long _answers;
    private int _refused;

    /// <summary>A registered rank's connection, and the gate that keeps its frames whole.</summary>
    private sealed class Line(Socket socket)
    {
        public Socket Socket { get; } = socket;
        public SemaphoreSlim Gate { get; } = new(1, 1);
    }

    public RendezvousServer(IPAddress bindAddress, int np, byte[] secret, Action<string>? log = null)
    {
        _np = np;
        _secret = secret;
        _endpoints = new byte[]?[np];
        _lines = new Line?[np];
        _abortCodes = new int?[np];
        _closed = new ManualResetEventSlim?[np];
        for (int r = 0; r < np; r++) _closed[r] = new ManualResetEventSlim(false);
        _log = log ?? (line => Console.Error.WriteLine(line));
        _listener = new Socket(bindAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(bindAddress, 0));
        // Every rank connects at once at start: a backlog for all of them (the kernel caps it at
        // net.core.somaxconn), or the overflow waits out SYN retransmissions (1 s, 3 s, ...).
        _listener.Listen(Math.Max(16, np));
        Endpoint = (IPEndPoint)_listener.LocalEndPoint!;
        _ = AcceptLoopAsync();
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>Bytes of frames written to the ranks so far (the barrier, answers, job-end words; not
    /// the handshakes), for the scaling figures.</summary>
    internal long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Endpoints handed out in answers so far.</summary>
    internal long EndpointsSent => Interlocked.Read(ref _endpointsSent);

    /// <summary>Lookups answered with endpoints so far (each one request of a rank).</summary>
    internal long Answers => Interlocked.Read(ref _answers);

    /// <summary>Requests refused so far (and logged).</summary>
    internal int Refused => Volatile.Read(ref _refused);

    private async Task AcceptLoopAsync()
    {
        while (!_disposed)
        {
            Socket peer;
            try { peer = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false); }
            catch (Exception) when (_disposed) { return; }
            catch (SocketException) { continue; }
            _ = ServeAsync(peer);
        }
    }

    private async Task ServeAsync(Socket peer)
    {
        string from = "?";
        int rank;
        Line line;
        try
        {
            from = peer.RemoteEndPoint?.ToString() ?? "?";
            peer.NoDelay = true;
            rank = await JobAuth.AcceptAsync(peer, _secret, _stop.Token).ConfigureAwait(false);
            if ((uint)rank >= (uint)_np) throw new AuthenticationFailedException($"rank {rank} is not in a job of {_np} ranks");
            byte[] endpoint = await ReadPublishedAsync(peer, _stop.Token).ConfigureAwait(false);
            line = new Line(peer);
            bool complete;
            using (_lock.EnterScope())
            {
                if (_lines[rank] is not null) throw new AuthenticationFailedException($"rank {rank} registered twice");
                _lines[rank] = line;
                _endpoints[rank] = endpoint;
                complete = ++_published == _np;
            }
            if (complete) await SendReadyAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HpcMsgException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (!_disposed) _log($"hpcrun: refused a connection to the job's rendezvous from {from}: {e.Message}");
            peer.Dispose();
            return;
        }
        await ListenAsync(line, rank).ConfigureAwait(false);
    }

    /// <summary>After registration: what the rank says (lookups, that it aborts) until its connection
    /// closes, which happens when its process ends. One pending asynchronous read, not a thread; a
    /// lookup is answered before the next frame is read, so a rank's answers keep its requests' order.</summary>
    private async Task ListenAsync(Line line, int rank)
    {
        var header = new byte[LifelineFrame.HeaderBytes];
        try
        {
            while (await ReceiveFrameAsync(line.Socket, header, _stop.Token).ConfigureAwait(false))
            {
                switch (LifelineFrame.Magic(header))
                {
                    case JobEndWord.AbortMagic:
                        JobEndWord abort = JobEndWord.Decode(header, JobEndWord.AbortMagic)!;
                        using (_lock.EnterScope()) _abortCodes[rank] ??= abort.ExitCode;
                        break;
                    case LifelineFrame.LookupMagic:
                        await AnswerAsync(line, rank, LifelineFrame.Word(header, 1), LifelineFrame.Word(header, 2), LifelineFrame.Word(header, 3)).ConfigureAwait(false);
                        break;
                    default:
                        if (!_disposed) _log($"hpcrun: rank {rank} sent a message the rendezvous does not know (0x{LifelineFrame.Magic(header):X8}); ignored");
                        break;
                }
            }
        }
        catch (Exception e) when (e is HpcMsgException or SocketException or ObjectDisposedException or OperationCanceledException) { }
        finally
        {
            _closed[rank]!.Set();
        }
    }

    /// <summary>The endpoints of <paramref name="count"/> ranks from <paramref name="first"/> on
    /// (modulo the job's size), in one answer; or a refusal with its reason, logged.</summary>
    private async Task AnswerAsync(Line line, int rank, int id, int first, int count)
    {
        string? refusal = !_ready ? "not every rank has published its endpoint yet"
            : (uint)first >= (uint)_np || count < 1 || count > _np ? $"ranks {first} to {(long)first + count - 1} are not in a job of {_np} ranks"
            : null;
        byte[] frame;
        if (refusal is not null)
        {
            Interlocked.Increment(ref _refused);
            if (!_disposed) _log($"hpcrun: refused rank {rank}'s request {id} for the endpoints of {count} ranks from rank {first}: {refusal}");
            byte[] reason = LifelineFrame.Reason(refusal);
            frame = new byte[LifelineFrame.HeaderBytes + reason.Length];
            LifelineFrame.WriteHeader(frame, LifelineFrame.AnswerMagic, id, LifelineFrame.Refused, reason.Length);
            reason.CopyTo(frame, LifelineFrame.HeaderBytes);
        }
        else
        {
            int body = 0;
            for (int i = 0; i < count; i++) body += 4 + _endpoints[(first + i) % _np]!.Length;
            frame = new byte[LifelineFrame.HeaderBytes + body];
            LifelineFrame.WriteHeader(frame, LifelineFrame.AnswerMagic, id, LifelineFrame.Found, body);
            int at = LifelineFrame.HeaderBytes;
            for (int i = 0; i < count; i++)
            {
                byte[] e = _endpoints[(first + i) % _np]!;
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(at), e.Length);
                e.CopyTo(frame, at + 4);
                at += 4 + e.Length;
            }
            Interlocked.Add(ref _endpointsSent, count);
            Interlocked.Increment(ref _answers);
        }
        await SendAsync(line, frame, _stop.Token).ConfigureAwait(false);
    }

    /// <summary>The code <paramref name="rank"/> aborted with, or null if it did not abort. Waits up to
    /// <paramref name="wait"/> for its connection to close, which follows anything it said.</summary>
    public int? AbortCodeOf(int rank, TimeSpan wait)
    {
        if ((uint)rank >= (uint)_np) return null;
        _closed[rank]!.Wait(wait);
        using (_lock.EnterScope()) return _abortCodes[rank];
    }

    /// <summary>Tells every registered rank that the job is ending, so that blocked calls throw (on
    /// every host, and on a host where a rank is alone without a shared segment); a rank still waiting
    /// in Init's barrier throws there. All writes at once, through each rank's gate (between whole
    /// frames), bounded by <see cref="AnnounceLimit"/> in all.</summary>
    public void AnnounceJobEnding(JobEndWord word)
    {
        if (_disposed) return;
        byte[] message = word.Encode(JobEndWord.EndingMagic);
        Line?[] lines;
        using (_lock.EnterScope()) lines = [.. _lines];
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        limit.CancelAfter(AnnounceLimit);
        var sends = new List<Task>();
        for (int r = 0; r < lines.Length; r++)
        {
            if (lines[r] is { } line && !_closed[r]!.IsSet) sends.Add(SendAsync(line, message, limit.Token));
        }
        Task.WaitAll(sends);
    }

    /// <summary>Every rank has published: each is told so (16 bytes, all writes at once).</summary>
    private async Task SendReadyAsync()
    {
        _ready = true; // before the first REDY goes out: a rank may ask at once
        byte[] frame = LifelineFrame.Header(LifelineFrame.ReadyMagic, _np, 0, 0);
        var writes = new Task[_np];
        for (int r = 0; r < _np; r++) writes[r] = SendAsync(_lines[r]!, frame, _stop.Token);
        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    /// <summary>One whole frame to a rank, after any other frame of its; a broken connection is the
    /// listener's to see (its read ends).</summary>
    private async Task SendAsync(Line line, byte[] frame, CancellationToken stop)
    {
        try
        {
            await line.Gate.WaitAsync(stop).ConfigureAwait(false);
            try
            {
                await JobAuth.SendAllAsync(line.Socket, frame, stop).ConfigureAwait(false);
                Interlocked.Add(ref _bytesSent, frame.Length);
            }
            finally
            {
                line.Gate.Release();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException) { }
    }

    /// <summary>The rank's PUBL frame and its endpoint, refused above <see cref="MaxEndpointBytes"/>;
    /// bounded in time like the handshake.</summary>
    private static async Task<byte[]> ReadPublishedAsync(Socket socket, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(JobAuth.HandshakeTimeout);
        byte[] header = new byte[LifelineFrame.HeaderBytes];
        try
        {
            await JobAuth.ReceiveAllAsync(socket, header, timeout.Token).ConfigureAwait(false);
            if (LifelineFrame.Magic(header) != LifelineFrame.PublishMagic)
                throw new AuthenticationFailedException($"the first message was not an endpoint (0x{LifelineFrame.Magic(header):X8})");
            int n = LifelineFrame.Word(header, 1);
            if (n < 0 || n > MaxEndpointBytes) throw new HpcMsgException($"an endpoint of {n} bytes is out of bounds (at most {MaxEndpointBytes})");
            byte[] bytes = new byte[n];
            await JobAuth.ReceiveAllAsync(socket, bytes, timeout.Token).ConfigureAwait(false);
            return bytes;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            throw new AuthenticationFailedException($"no endpoint within {JobAuth.HandshakeTimeout.TotalSeconds:F0} s");
        }
    }

    /// <summary>A whole header into <paramref name="header"/>; false when the connection closed
    /// cleanly between frames.</summary>
    private static async Task<bool> ReceiveFrameAsync(Socket socket, byte[] header, CancellationToken stop)
    {
        int got = 0;
        while (got < header.Length)
        {
            int n = await socket.ReceiveAsync(header.AsMemory(got), SocketFlags.None, stop).ConfigureAwait(false);
            if (n == 0)
            {
                if (got == 0) return false;
                throw new HpcMsgException("the connection closed in the middle of a message");
            }
            got += n;
        }
        return true;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        _listener.Dispose();
        using (_lock.EnterScope())
        {
            foreach (Line? l in _lines) l?.Socket.Dispose();
        }
    }
}
