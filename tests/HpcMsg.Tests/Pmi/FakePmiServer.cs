using System.Net.Sockets;
using System.Text;
using HpcMsg.Bootstrap.Pmi;
using HpcMsg.Tests.Infrastructure;

namespace HpcMsg.Tests.Pmi;

/// <summary>
/// An in-process PMI server for the wire clients' tests, answering as the transcripts in
/// shared/slurm/dumps (Slurm 22.05's pmi2 plugin, which speaks PMI-1 and PMI-2 on one socket) show:
/// the first line decides the protocol; a shared key-value space; a fence that returns when every
/// one of <c>size</c> clients has entered it. Each client gets one loopback connection and a thread.
/// Knobs make it misbehave: close after some messages, answer one command with an error, drop
/// threaded= checking. Every message received is recorded, in order, per rank.
/// </summary>
internal sealed class FakePmiServer : IDisposable
{
    private readonly int _size;
    private readonly Dictionary<string, string> _kvs = new(StringComparer.Ordinal);
    private readonly Barrier _fence;
    private readonly List<Socket> _sockets = [];
    private readonly List<Thread> _threads = [];

    public string JobId { get; init; } = "42.0";

    public int Size => _size;

    /// <summary>Close a client's connection after this many of its messages have been answered (-1: never).</summary>
    public int CloseAfter { get; init; } = -1;

    /// <summary>A command (e.g. "kvs-put", "put") answered with rc=<see cref="FailRc"/> and a msg.</summary>
    public string? FailCommand { get; init; }

    public int FailRc { get; init; } = 3;

    /// <summary>What the server answers for PMI_process_mapping (PMI-2's job attribute, PMI-1's key);
    /// null: not found, as a process manager without a node map.</summary>
    public string? ProcessMapping { get; init; }

    /// <summary>Every message received, all ranks together.</summary>
    public int RequestCount => Received.Sum(r => { lock (r) return r.Count; });

    /// <summary>Per rank, every message received (PMI-1 lines without their newline, PMI-2 bodies).</summary>
    public List<string>[] Received { get; }

    public FakePmiServer(int size)
    {
        _size = size;
        _fence = new Barrier(size);
        Received = [.. Enumerable.Range(0, size).Select(_ => new List<string>())];
    }

    /// <summary>A new connection for the next client; the returned stream is the client's end.</summary>
    public Stream Connect(int rank)
    {
        (Socket server, Socket client) = LoopbackSockets.ConnectedPair();
        server.NoDelay = client.NoDelay = true; // request and reply: no waiting for delayed acknowledgements
        lock (_sockets) _sockets.Add(server);
        var t = new Thread(() => Serve(server, rank)) { IsBackground = true, Name = $"fake PMI {rank}" };
        lock (_threads) _threads.Add(t);
        t.Start();
        return new NetworkStream(client, ownsSocket: true);
    }

    private void Serve(Socket socket, int rank)
    {
        using var stream = new NetworkStream(socket, ownsSocket: false);
        int answered = 0;
        try
        {
            string first = PmiWire.ReadLine(stream, "init");
            Record(rank, first);
            bool v2 = first.Contains("pmi_version=2", StringComparison.Ordinal);
            PmiWire.WriteLine(stream, $"cmd=response_to_init rc=0 pmi_version={(v2 ? 2 : 1)} pmi_subversion={(v2 ? 0 : 1)}");
            answered++;
            while (CloseAfter < 0 || answered < CloseAfter)
            {
                string message = v2 ? PmiWire.ReadFrame(stream, "a request") : PmiWire.ReadLine(stream, "a request");
                Record(rank, message);
                string? reply = v2 ? Answer2(message, rank) : Answer1(message, rank);
                if (reply is null) return; // abort: no reply
                if (v2) PmiWire.WriteFrame(stream, reply); else PmiWire.WriteLine(stream, reply);
                answered++;
                if (message.Contains("finalize", StringComparison.Ordinal)) return;
            }
        }
        catch (HpcMsgException) { }   // the client went away
        catch (IOException) { }
        finally
        {
            try { socket.Shutdown(SocketShutdown.Both); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { } // Dispose got there first
            socket.Close();
        }
    }

    private void Record(int rank, string message)
    {
        lock (Received[rank]) Received[rank].Add(message);
    }

    private string? Answer2(string body, int rank)
    {
        Dictionary<string, string> f = PmiWire.Fields(body, ';');
        string cmd = f.GetValueOrDefault("cmd", "");
        if (cmd == FailCommand) return $"cmd={cmd}-response;rc={FailRc};errmsg=refused by the fake;";
        switch (cmd)
        {
            case "fullinit":
                // As Slurm 22.05: all three fields or rc=3.
                if (!f.ContainsKey("pmijobid") || !f.ContainsKey("pmirank") || !f.ContainsKey("threaded"))
                    return "cmd=fullinit-response;rc=3;";
                return $"cmd=fullinit-response;rc=0;pmi-version=2;pmi-subversion=0;rank={f["pmirank"]};size={_size};appnum=-1;debugged=FALSE;pmiverbose=FALSE;";
            case "job-getid":
                return $"cmd=job-getid-response;rc=0;jobid={JobId};";
            case "kvs-put":
                lock (_kvs) _kvs[f["key"]] = f["value"];
                return "cmd=kvs-put-response;rc=0;";
            case "info-getjobattr":
                return f.GetValueOrDefault("key") == HpcMsg.Bootstrap.Pmi.ProcessMapping.Key && ProcessMapping is { } map
                    ? $"cmd=info-getjobattr-response;rc=0;found=TRUE;value={map};"
                    : "cmd=info-getjobattr-response;rc=0;found=FALSE;";
            case "kvs-fence":
                _fence.SignalAndWait();
                return "cmd=kvs-fence-response;rc=0;";
            case "kvs-get":
                lock (_kvs)
                    return _kvs.TryGetValue(f["key"], out string? v) ? $"cmd=kvs-get-response;rc=0;found=TRUE;value={v};" : "cmd=kvs-get-response;rc=0;found=FALSE;";
            case "finalize":
                return "cmd=finalize-response;rc=0;";
            case "abort":
                return null;
            default:
                return $"cmd={cmd}-response;rc=1;errmsg=unknown;";
        }
    }

    private string? Answer1(string line, int rank)
    {
        Dictionary<string, string> f = PmiWire.Fields(line, ' ');
        string cmd = f.GetValueOrDefault("cmd", "");
        if (cmd == FailCommand) return $"cmd={cmd}_result rc={FailRc} msg=refused_by_the_fake";
        switch (cmd)
        {
            case "get_maxes": return "cmd=maxes rc=0 kvsname_max=256 keylen_max=64 vallen_max=1024";
            case "get_my_kvsname": return $"cmd=my_kvsname rc=0 kvsname={JobId}";
            case "put":
                lock (_kvs) _kvs[f["key"]] = f["value"];
                return "cmd=put_result rc=0";
            case "barrier_in":
                _fence.SignalAndWait();
                return "cmd=barrier_out rc=0";
            case "get" when f.GetValueOrDefault("key") == HpcMsg.Bootstrap.Pmi.ProcessMapping.Key:
                return ProcessMapping is { } mapping ? $"cmd=get_result rc=0 value={mapping}" : "cmd=get_result rc=-1 msg=key_not_found";
            case "get":
                lock (_kvs)
                    return _kvs.TryGetValue(f["key"], out string? v) ? $"cmd=get_result rc=0 value={v}" : "cmd=get_result rc=-1 msg=key_not_found";
            case "finalize": return "cmd=finalize_ack rc=0";
            case "abort": return null;
            default: return $"cmd={cmd}_result rc=-1 msg=unknown";
        }
    }

    public void Dispose()
    {
        lock (_sockets)
            foreach (Socket s in _sockets)
            {
                try { s.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
                s.Dispose();
            }
        foreach (Thread t in _threads) t.Join(2000);
        _fence.Dispose();
    }
}
