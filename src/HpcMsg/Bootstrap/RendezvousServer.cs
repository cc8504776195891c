using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HpcMsg.Bootstrap;

/// <summary>
/// hpcrun's side of a multi-host job's bootstrap: a small key-value exchange. Each rank connects,
/// proves the job secret, publishes its TCP endpoint, and receives every rank's once all have
/// published. The connections stay open for the whole job: a rank whose connection drops knows that
/// hpcrun is gone and exits. Strangers are refused and logged; they never disturb the job.
/// <para>
/// Scales to thousands of ranks: no thread per rank (every connection is served by asynchronous
/// socket calls: handshake, endpoint, table, then a pending 16-byte read that waits for the rank's
/// abort word or its close), and O(n) work here: the table is encoded once, as one buffer, and that
/// same buffer is written to every rank. See docs/scaling.md for the figures at 4,096 ranks.
/// </para>
/// </summary>
internal sealed class RendezvousServer : IDisposable
{
    public const int MaxEndpointBytes = 256;
    private readonly Socket _listener;
    private readonly int _np;
    private readonly byte[] _secret;
    private readonly byte[]?[] _endpoints;
    private readonly Socket?[] _ranks;
    private readonly Lock _lock = new();
    private readonly Action<string> _log;
    private readonly int?[] _abortCodes;
    private readonly ManualResetEventSlim?[] _closed;
    private readonly CancellationTokenSource _stop = new();
    private int _published;
    private volatile bool _tableSent;
    private volatile bool _disposed;

    public RendezvousServer(IPAddress bindAddress, int np, byte[] secret, Action<string>? log = null)
    {
        _np = np;
        _secret = secret;
        _endpoints = new byte[]?[np];
        _ranks = new Socket?[np];
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

    /// <summary>Bytes of the endpoint table sent to each rank (0 until every rank has published).</summary>
    internal int TableBytes { get; private set; }

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
        try
        {
            from = peer.RemoteEndPoint?.ToString() ?? "?";
            peer.NoDelay = true;
            rank = await JobAuth.AcceptAsync(peer, _secret, _stop.Token).ConfigureAwait(false);
            if ((uint)rank >= (uint)_np) throw new AuthenticationFailedException($"rank {rank} is not in a job of {_np} ranks");
            byte[] endpoint = await ReadStringBytesAsync(peer, _stop.Token).ConfigureAwait(false);
            bool complete;
            using (_lock.EnterScope())
            {
                if (_ranks[rank] is not null) throw new AuthenticationFailedException($"rank {rank} registered twice");
                _ranks[rank] = peer;
                _endpoints[rank] = endpoint;
                complete = ++_published == _np;
            }
            if (complete) await SendTableAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HpcMsgException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (!_disposed) _log($"hpcrun: refused a connection to the job's rendezvous from {from}: {e.Message}");
            peer.Dispose();
            return;
        }
        await ListenAsync(peer, rank).ConfigureAwait(false);
    }

    /// <summary>After registration: what the rank says (that it aborts) until its connection closes,
    /// which happens when its process ends. A pending asynchronous read, not a thread.</summary>
    private async Task ListenAsync(Socket peer, int rank)
    {
        var message = new byte[JobEndWord.Bytes];
        try
        {
            while (true)
            {
                await JobAuth.ReceiveAllAsync(peer, message, _stop.Token).ConfigureAwait(false);
                if (JobEndWord.Decode(message, JobEndWord.AbortMagic) is { } abort)
                    using (_lock.EnterScope()) _abortCodes[rank] ??= abort.ExitCode;
            }
        }
        catch (Exception e) when (e is HpcMsgException or SocketException or ObjectDisposedException or OperationCanceledException) { }
        finally
        {
            _closed[rank]!.Set();
        }
    }

    /// <summary>The code <paramref name="rank"/> aborted with, or null if it did not abort. Waits up to
    /// <paramref name="wait"/> for its connection to close, which follows anything it said.</summary>
    public int? AbortCodeOf(int rank, TimeSpan wait)
    {
        if ((uint)rank >= (uint)_np) return null;
        _closed[rank]!.Wait(wait);
        using (_lock.EnterScope()) return _abortCodes[rank];
    }

    /// <summary>Tells every rank that the job is ending, so that blocked calls throw (on every host,
    /// and on a host where a rank is alone without a shared segment). Once the table is out only:
    /// before that, ranks read the table from this connection.</summary>
    public void AnnounceJobEnding(JobEndWord word)
    {
        if (!_tableSent || _disposed) return;
        byte[] message = word.Encode(JobEndWord.EndingMagic);
        Socket?[] ranks;
        using (_lock.EnterScope()) ranks = [.. _ranks];
        for (int r = 0; r < ranks.Length; r++)
        {
            if (ranks[r] is not { } s || _closed[r]!.IsSet) continue;
            try
            {
                s.SendTimeout = 1000; // 16 bytes into an idle connection; a stuck host must not stall the teardown
                JobAuth.SendAll(s, message);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }
    }

    /// <summary>
    /// The table, encoded once and written to every rank from that one buffer (the writes run at once,
    /// so that a slow reader holds up nobody): <c>total bytes (4) | count (4) | count x (length (4) |
    /// UTF-8 endpoint)</c>. The rank reads it in two reads and decodes an entry only when it dials
    /// that peer (<see cref="EndpointTable"/>).
    /// </summary>
    private async Task SendTableAsync()
    {
        int total = 8;
        foreach (byte[]? e in _endpoints) total += 4 + e!.Length;
        byte[] message = new byte[total];
        BinaryPrimitives.WriteInt32LittleEndian(message, total);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(4), _np);
        int at = 8;
        foreach (byte[]? e in _endpoints)
        {
            BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(at), e!.Length);
            e.CopyTo(message, at + 4);
            at += 4 + e.Length;
        }
        TableBytes = total;
        var writes = new Task[_np];
        for (int r = 0; r < _np; r++) writes[r] = SendQuietlyAsync(_ranks[r]!, message);
        await Task.WhenAll(writes).ConfigureAwait(false);
        _tableSent = true;
    }

    private async Task SendQuietlyAsync(Socket rank, byte[] message)
    {
        try { await JobAuth.SendAllAsync(rank, message, _stop.Token).ConfigureAwait(false); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException) { }
    }

    /// <summary>A length-prefixed endpoint, refused above <see cref="MaxEndpointBytes"/>; bounded in time
    /// like the handshake.</summary>
    private static async Task<byte[]> ReadStringBytesAsync(Socket socket, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(JobAuth.HandshakeTimeout);
        byte[] length = new byte[4];
        try
        {
            await JobAuth.ReceiveAllAsync(socket, length, timeout.Token).ConfigureAwait(false);
            int n = BinaryPrimitives.ReadInt32LittleEndian(length);
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

    internal static void WriteString(Socket socket, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        byte[] message = new byte[4 + bytes.Length];
        BinaryPrimitives.WriteInt32LittleEndian(message, bytes.Length);
        bytes.CopyTo(message, 4);
        JobAuth.SendAll(socket, message);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        _listener.Dispose();
        using (_lock.EnterScope())
        {
            foreach (Socket? s in _ranks) s?.Dispose();
        }
    }
}

/// <summary>
/// The rendezvous' table of endpoints as a rank holds it: the bytes as received, checked once, and an
/// entry decoded only when asked (a rank dials a few peers, not all of them).
/// </summary>
internal sealed class EndpointTable
{
    private readonly byte[] _bytes;
    private readonly int[] _offsets;

    private EndpointTable(byte[] bytes, int[] offsets)
    {
        _bytes = bytes;
        _offsets = offsets;
    }

    public int Count => _offsets.Length;

    /// <summary>Bytes of the table after its 4-byte total: what <see cref="Parse"/> takes.</summary>
    public static int BodyBytes(ReadOnlySpan<byte> header, int size)
    {
        int total = BinaryPrimitives.ReadInt32LittleEndian(header);
        long most = 8 + (long)size * (4 + RendezvousServer.MaxEndpointBytes);
        if (total < 8 || total > most) throw new HpcMsgException($"the rendezvous sent a table of {total} bytes for {size} ranks");
        return total - 4;
    }

    /// <summary>Checks the table (count, then every length within bounds and within the buffer).</summary>
    public static EndpointTable Parse(byte[] body, int size)
    {
        int count = BinaryPrimitives.ReadInt32LittleEndian(body);
        if (count != size) throw new HpcMsgException($"the rendezvous sent a table of {count} endpoints for {size} ranks");
        var offsets = new int[size];
        int at = 4;
        for (int r = 0; r < size; r++)
        {
            if (at + 4 > body.Length) throw new HpcMsgException("the rendezvous sent a truncated table");
            int n = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(at));
            if (n < 0 || n > RendezvousServer.MaxEndpointBytes || at + 4 + n > body.Length) throw new HpcMsgException($"the rendezvous sent an endpoint of {n} bytes");
            offsets[r] = at;
            at += 4 + n;
        }
        return new EndpointTable(body, offsets);
    }

    public string this[int rank]
    {
        get
        {
            int at = _offsets[rank];
            int n = BinaryPrimitives.ReadInt32LittleEndian(_bytes.AsSpan(at));
            return Encoding.UTF8.GetString(_bytes, at + 4, n);
        }
    }
}
