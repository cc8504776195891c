using System.Net;
using System.Net.Sockets;

namespace HpcMsg.Bootstrap;

/// <summary>
/// A rank's side of the rendezvous: publish this rank's TCP endpoint, read everyone's, then keep the
/// connection as a lifeline: hpcrun says there when the job is ending (a rank failed or aborted), so
/// that a blocked call throws; when it drops before finalize, hpcrun is gone: blocked calls throw, and
/// after a grace for the program to report that, this rank exits.
/// </summary>
internal sealed class RendezvousClient : IJobControl
{
    /// <summary>How long a rank whose hpcrun vanished has to report the exception of its blocked call
    /// and end by itself before it is ended (no rank may outlive its job).</summary>
    private static readonly TimeSpan OrphanGrace = TimeSpan.FromSeconds(2);

    private readonly Socket _socket;
    private readonly int _rank;
    private readonly int _size;
    private readonly Lock _sendLock = new();
    private volatile bool _closing;
    private volatile JobEndWord? _word;
    private EndpointTable? _endpoints;

    private RendezvousClient(Socket socket, int rank, int size)
    {
        _socket = socket;
        _rank = rank;
        _size = size;
    }

    /// <summary>hpcrun's word that the job is ending (or that hpcrun is gone); null while it runs.</summary>
    public JobEndWord? LauncherWord => _word;

    public static RendezvousClient Connect(string address, byte[] secret, int rank, int size)
    {
        IPEndPoint endpoint = Parse(address);
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Connect(endpoint);
            JobAuth.Connect(socket, secret, rank);
        }
        catch (Exception e) when (e is SocketException or HpcMsgException)
        {
            socket.Dispose();
            throw new HpcMsgException($"rank {rank}: cannot join the job's rendezvous at {address}: {e.Message}", e);
        }
        return new RendezvousClient(socket, rank, size);
    }

    /// <summary><see cref="Connect"/> on asynchronous socket calls: many ranks of one process (the
    /// wire-up simulation of the tests) join without a thread each.</summary>
    internal static async Task<RendezvousClient> ConnectAsync(string address, byte[] secret, int rank, int size, CancellationToken stop = default)
    {
        IPEndPoint endpoint = Parse(address);
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, stop).ConfigureAwait(false);
            await JobAuth.ConnectAsync(socket, secret, rank, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or HpcMsgException)
        {
            socket.Dispose();
            throw new HpcMsgException($"rank {rank}: cannot join the job's rendezvous at {address}: {e.Message}", e);
        }
        return new RendezvousClient(socket, rank, size);
    }

    private static IPEndPoint Parse(string address) =>
        IPEndPoint.TryParse(address, out IPEndPoint? parsed)
            ? parsed
            : throw new HpcMsgException($"{JobEnvironment.RendezvousVar}='{address}' is not an ip:port");

    /// <summary>The local address of the connection to hpcrun: one that the other hosts can reach.</summary>
    public IPAddress? LocalAddress => ((IPEndPoint)_socket.LocalEndPoint!).Address;

    /// <summary>Publishes this rank's endpoint, reads the table (two reads: its size, then all of it),
    /// then watches the connection as the lifeline.</summary>
    public void ExchangeEndpoints(string endpoint)
    {
        RendezvousServer.WriteString(_socket, endpoint);
        Span<byte> header = stackalloc byte[4];
        JobAuth.ReceiveAll(_socket, header);
        byte[] body = NewTableBuffer(EndpointTable.BodyBytes(header, _size));
        JobAuth.ReceiveAll(_socket, body);
        _endpoints = EndpointTable.Parse(body, _size);
        new Thread(WatchLauncher) { IsBackground = true, Name = "HpcMsg lifeline" }.Start();
    }

    /// <summary><see cref="ExchangeEndpoints"/> on asynchronous calls and without the lifeline's
    /// watcher thread (the wire-up simulation reads the launcher's words itself: <see cref="ReadLauncherWordAsync"/>).</summary>
    internal async Task ExchangeEndpointsAsync(string endpoint, CancellationToken stop = default)
    {
        byte[] text = System.Text.Encoding.UTF8.GetBytes(endpoint);
        byte[] message = new byte[4 + text.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(message, text.Length);
        text.CopyTo(message, 4);
        await JobAuth.SendAllAsync(_socket, message, stop).ConfigureAwait(false);
        byte[] header = new byte[4];
        await JobAuth.ReceiveAllAsync(_socket, header, stop).ConfigureAwait(false);
        byte[] body = NewTableBuffer(EndpointTable.BodyBytes(header, _size));
        await JobAuth.ReceiveAllAsync(_socket, body, stop).ConfigureAwait(false);
        _endpoints = EndpointTable.Parse(body, _size);
    }

    /// <summary>The next word hpcrun says on the lifeline (for a client without the watcher thread).</summary>
    internal async Task<JobEndWord?> ReadLauncherWordAsync(CancellationToken stop = default)
    {
        var message = new byte[JobEndWord.Bytes];
        await JobAuth.ReceiveAllAsync(_socket, message, stop).ConfigureAwait(false);
        return JobEndWord.Decode(message, JobEndWord.EndingMagic);
    }

    /// <summary>The table stays for the whole job (80 KB at 4,096 ranks): on the pinned heap, where
    /// the collector never copies it from generation to generation.</summary>
    private static byte[] NewTableBuffer(int bytes) => GC.AllocateUninitializedArray<byte>(bytes, pinned: true);

    public string EndpointOf(int rank) => (_endpoints ?? throw new InvalidOperationException("the endpoints have not been exchanged yet"))[rank];

    private void WatchLauncher()
    {
        var message = new byte[JobEndWord.Bytes];
        try
        {
            while (true)
            {
                JobAuth.ReceiveAll(_socket, message);
                if (JobEndWord.Decode(message, JobEndWord.EndingMagic) is { } word) _word ??= word;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or HpcMsgException or IOException) { }
        if (_closing) return;
        _word ??= JobEndWord.LauncherGone;
        Thread.Sleep(OrphanGrace);
        if (_closing) return;
        Console.Error.WriteLine($"hpcmsg: rank {_rank}: lost the connection to hpcrun; this rank exits");
        Console.Error.Flush();
        Environment.Exit(1);
    }

    /// <summary>Tells hpcrun that this rank aborts (so that it tells the others so, and names the abort).</summary>
    public void TellAbort(int errorCode)
    {
        try
        {
            using (_sendLock.EnterScope())
                JobAuth.SendAll(_socket, new JobEndWord(true, _rank, errorCode).Encode(JobEndWord.AbortMagic));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or HpcMsgException) { }
    }

    public void Dispose()
    {
        _closing = true;
        _socket.Dispose();
    }
}
