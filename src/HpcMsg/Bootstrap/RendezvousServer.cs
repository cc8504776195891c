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
/// </summary>
internal sealed class RendezvousServer : IDisposable
{
    public const int MaxEndpointBytes = 256;
    private readonly Socket _listener;
    private readonly int _np;
    private readonly byte[] _secret;
    private readonly string?[] _endpoints;
    private readonly Socket?[] _ranks;
    private readonly Lock _lock = new();
    private readonly Action<string> _log;
    private readonly int?[] _abortCodes;
    private readonly ManualResetEventSlim?[] _closed;
    private int _published;
    private volatile bool _tableSent;
    private volatile bool _disposed;

    public RendezvousServer(IPAddress bindAddress, int np, byte[] secret, Action<string>? log = null)
    {
        _np = np;
        _secret = secret;
        _endpoints = new string?[np];
        _ranks = new Socket?[np];
        _abortCodes = new int?[np];
        _closed = new ManualResetEventSlim?[np];
        for (int r = 0; r < np; r++) _closed[r] = new ManualResetEventSlim(false);
        _log = log ?? (line => Console.Error.WriteLine(line));
        _listener = new Socket(bindAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(bindAddress, 0));
        _listener.Listen(Math.Max(16, np));
        Endpoint = (IPEndPoint)_listener.LocalEndPoint!;
        new Thread(AcceptLoop) { IsBackground = true, Name = "hpcrun rendezvous" }.Start();
    }

    public IPEndPoint Endpoint { get; }

    private void AcceptLoop()
    {
        while (!_disposed)
        {
            Socket peer;
            try { peer = _listener.Accept(); }
            catch (Exception) when (_disposed) { return; }
            catch (SocketException) { continue; }
            new Thread(() => Serve(peer)) { IsBackground = true, Name = "hpcrun rendezvous peer" }.Start();
        }
    }

    private void Serve(Socket peer)
    {
        string from = peer.RemoteEndPoint?.ToString() ?? "?";
        try
        {
            peer.NoDelay = true;
            int rank = JobAuth.Accept(peer, _secret);
            if ((uint)rank >= (uint)_np) throw new AuthenticationFailedException($"rank {rank} is not in a job of {_np} ranks");
            peer.ReceiveTimeout = (int)JobAuth.HandshakeTimeout.TotalMilliseconds;
            string endpoint = ReadString(peer);
            peer.ReceiveTimeout = 0;
            bool complete;
            using (_lock.EnterScope())
            {
                if (_ranks[rank] is not null) throw new AuthenticationFailedException($"rank {rank} registered twice");
                _ranks[rank] = peer;
                _endpoints[rank] = endpoint;
                complete = ++_published == _np;
            }
            if (complete) SendTable();
        }
        catch (Exception e) when (e is HpcMsgException or SocketException or ObjectDisposedException)
        {
            if (!_disposed) _log($"hpcrun: refused a connection to the job's rendezvous from {from}: {e.Message}");
            peer.Dispose();
            return;
        }
        Listen(peer);
    }

    /// <summary>After registration: what the rank says (that it aborts) until its connection closes,
    /// which happens when its process ends.</summary>
    private void Listen(Socket peer)
    {
        int rank = -1;
        using (_lock.EnterScope()) rank = Array.IndexOf(_ranks, peer);
        var message = new byte[JobEndWord.Bytes];
        try
        {
            while (true)
            {
                JobAuth.ReceiveAll(peer, message);
                if (JobEndWord.Decode(message, JobEndWord.AbortMagic) is { } abort)
                    using (_lock.EnterScope()) _abortCodes[rank] ??= abort.ExitCode;
            }
        }
        catch (Exception e) when (e is HpcMsgException or SocketException or ObjectDisposedException) { }
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

    private void SendTable()
    {
        var table = new List<byte>();
        Span<byte> length = stackalloc byte[4];
        foreach (string? endpoint in _endpoints)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(endpoint!);
            BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            table.AddRange(length.ToArray());
            table.AddRange(bytes);
        }
        byte[] message = [.. table];
        foreach (Socket? rank in _ranks)
        {
            try { JobAuth.SendAll(rank!, message); }
            catch (SocketException) { }
        }
        _tableSent = true;
    }

    /// <summary>A length-prefixed UTF-8 string, refused above <see cref="MaxEndpointBytes"/>.</summary>
    internal static string ReadString(Socket socket)
    {
        Span<byte> length = stackalloc byte[4];
        JobAuth.ReceiveAll(socket, length);
        int n = BinaryPrimitives.ReadInt32LittleEndian(length);
        if (n < 0 || n > MaxEndpointBytes) throw new HpcMsgException($"an endpoint of {n} bytes is out of bounds (at most {MaxEndpointBytes})");
        byte[] bytes = new byte[n];
        JobAuth.ReceiveAll(socket, bytes);
        return Encoding.UTF8.GetString(bytes);
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
        _listener.Dispose();
        using (_lock.EnterScope())
        {
            foreach (Socket? s in _ranks) s?.Dispose();
        }
    }
}
