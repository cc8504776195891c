using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HpcMsg.Bootstrap;

/// <summary>
/// A rank's side of the rendezvous: publish this rank's TCP endpoint, wait until every rank has
/// published (hpcrun's 16-byte word), then keep the connection as a lifeline that carries, framed
/// (<see cref="LifelineFrame"/>): this rank's requests for a peer's endpoint, made when it first dials
/// that peer, and hpcrun's answers; hpcrun's word that the job is ending (a rank failed or aborted),
/// so that a blocked call throws; and this rank's abort word. When the connection drops before
/// finalize, hpcrun is gone: outstanding requests fail, blocked calls throw, and after a grace for the
/// program to report that, this rank exits.
/// <para>
/// One reader owns the receiving side (a thread of its own in a rank; an asynchronous loop in the
/// wire-up simulation of the tests) and hands each answer to its request by the request's id, so any
/// number of lookups may be outstanding at once. Sending goes through a gate that keeps frames whole.
/// The endpoints learnt are kept: a rank that talks to 4 of 4,096 peers holds 4 (there is no table);
/// one that has dialed more than <see cref="SingleLookups"/> peers asks for blocks of
/// <see cref="BlockRanks"/> and keeps them.
/// </para>
/// </summary>
internal sealed class RendezvousClient : IJobControl
{
    /// <summary>How long a rank whose hpcrun vanished has to report the exception of its blocked call
    /// and end by itself before it is ended (no rank may outlive its job).</summary>
    private static readonly TimeSpan OrphanGrace = TimeSpan.FromSeconds(2);

    private readonly Socket _socket;
    private readonly int _rank;
    private readonly int _size;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly Lock _lock = new();
    private readonly Dictionary<int, Task<string>> _known = new();   // peer -> its endpoint, asked for or being asked
    private readonly Dictionary<int, Lookup> _pending = new();       // request id -> the request
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<JobEndWord> _wordHeard = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _lastRequest;
    private HpcMsgException? _lost;   // the lifeline is gone: requests fail at once
    private volatile bool _closing;
    private volatile JobEndWord? _word;

    /// <summary>An outstanding request: <see cref="Count"/> endpoints expected.</summary>
    private sealed class Lookup(int count)
    {
        public int Count { get; } = count;
        public TaskCompletionSource<string[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private RendezvousClient(Socket socket, int rank, int size)
    {
        _socket = socket;
        _rank = rank;
        _size = size;
    }

    /// <summary>hpcrun's word that the job is ending (or that hpcrun is gone); null while it runs.</summary>
    public JobEndWord? LauncherWord => _word;

    /// <summary>Completes with hpcrun's first word (or <see cref="JobEndWord.LauncherGone"/>), for the tests.</summary>
    internal Task<JobEndWord> LauncherWordHeard => _wordHeard.Task;

    /// <summary>Whether a rank whose hpcrun vanished exits after <see cref="OrphanGrace"/> (a rank must
    /// not outlive its job); off only for tests that make hpcrun vanish in their own process.</summary>
    internal bool ExitWhenOrphaned { get; set; } = true;

    /// <summary>The lifeline's socket (the tests read the kernel's byte counts of it).</summary>
    internal Socket Lifeline => _socket;

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

    /// <summary>Publishes this rank's endpoint, starts the lifeline's reader (a thread: it must run,
    /// and end an orphaned rank, whatever the program does with the thread pool), and returns once
    /// hpcrun says that every rank has published; throws if hpcrun says instead that the job is ending,
    /// or goes.</summary>
    public void ExchangeEndpoints(string endpoint)
    {
        byte[] frame = PublishFrame(endpoint);
        _sendGate.Wait();
        try { JobAuth.SendAll(_socket, frame); }
        finally { _sendGate.Release(); }
        new Thread(ReadLifeline) { IsBackground = true, Name = "HpcMsg lifeline" }.Start();
        _ready.Task.GetAwaiter().GetResult();
    }

    /// <summary><see cref="ExchangeEndpoints"/> on asynchronous calls, with the lifeline's reader an
    /// asynchronous loop rather than a thread, and no exit when hpcrun goes (the wire-up simulation:
    /// thousands of ranks in the tests' process).</summary>
    internal async Task ExchangeEndpointsAsync(string endpoint, CancellationToken stop = default)
    {
        byte[] frame = PublishFrame(endpoint);
        await _sendGate.WaitAsync(stop).ConfigureAwait(false);
        try { await JobAuth.SendAllAsync(_socket, frame, stop).ConfigureAwait(false); }
        finally { _sendGate.Release(); }
        _ = ReadLifelineAsync();
        await _ready.Task.WaitAsync(stop).ConfigureAwait(false);
    }

    private static byte[] PublishFrame(string endpoint)
    {
        byte[] text = Encoding.UTF8.GetBytes(endpoint);
        if (text.Length > RendezvousServer.MaxEndpointBytes)
            throw new HpcMsgException($"an endpoint of {text.Length} bytes is too long for the rendezvous (at most {RendezvousServer.MaxEndpointBytes})");
        byte[] frame = new byte[LifelineFrame.HeaderBytes + text.Length];
        LifelineFrame.WriteHeader(frame, LifelineFrame.PublishMagic, text.Length, 0, 0);
        text.CopyTo(frame, LifelineFrame.HeaderBytes);
        return frame;
    }

    /// <summary>Lookups of one endpoint a rank makes before it asks for whole blocks: a rank that has
    /// dialed this many peers is talking to many (an all-to-all, the rounds of a large collective),
    /// and asking peer by peer would cost hpcrun n requests from each of n ranks.</summary>
    internal const int SingleLookups = 8;

    /// <summary>Ranks in the block a rank asks for after <see cref="SingleLookups"/>: the aligned run of
    /// this many ranks around the peer dialed (a host's ranks are consecutive under hpcrun's block
    /// placement, so the block is mostly the peer's host). An all-to-all job then sends hpcrun
    /// n x (8 + n / 64) requests instead of n x n, each answer ~64 x 30 bytes.</summary>
    internal const int BlockRanks = 64;

    private int _singlesAsked; // requests made by EndpointOfAsync so far

    /// <summary>The endpoint <paramref name="rank"/> published: known already, being asked for, or asked
    /// of hpcrun now (one request of 16 bytes; the answer completes the task): the peer alone for the
    /// first <see cref="SingleLookups"/> peers, then the block of <see cref="BlockRanks"/> around it, all
    /// kept. The caller does not wait for hpcrun here: the request is written and the task returned.</summary>
    public Task<string> EndpointOfAsync(int rank)
    {
        if ((uint)rank >= (uint)_size)
            return Task.FromException<string>(new HpcMsgException($"rank {_rank}: rank {rank} is not in a job of {_size} ranks"));
        var answer = new TaskCompletionSource<string[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        int first = rank, count = 1;
        Task<string> endpoint;
        using (_lock.EnterScope())
        {
            if (_known.TryGetValue(rank, out Task<string>? known)) return known;
            if (++_singlesAsked > SingleLookups)
            {
                first = rank - rank % BlockRanks;
                count = Math.Min(BlockRanks, _size - first);
            }
            // Every rank of the request not known or asked for yet is now being asked for: a dial of
            // another peer of the block waits for this answer instead of asking again.
            for (int r = first; r < first + count; r++)
            {
                if (!_known.ContainsKey(r)) _known[r] = EndpointIn(answer.Task, r, first);
            }
            endpoint = _known[rank];
        }
        _ = AskAsync(first, count, answer);
        return endpoint;
    }

    private async Task AskAsync(int first, int count, TaskCompletionSource<string[]> answer)
    {
        try { answer.TrySetResult(await LookupAsync(first, count).ConfigureAwait(false)); }
        catch (HpcMsgException e) { answer.TrySetException(e); }
    }

    private static async Task<string> EndpointIn(Task<string[]> answer, int rank, int first)
    {
        try { return (await answer.ConfigureAwait(false))[rank - first]; }
        catch (HpcMsgException e) { throw new HpcMsgException($"cannot learn rank {rank}'s endpoint from hpcrun: {e.Message}", e); }
    }

    /// <summary>One request (LOOK) and its answer, matched by the request's id. Not checked here, so
    /// that the tests can ask for what hpcrun must refuse.</summary>
    internal async Task<string[]> LookupAsync(int first, int count)
    {
        var lookup = new Lookup(Math.Max(count, 0)); // hpcrun refuses a count below 1
        int id;
        using (_lock.EnterScope())
        {
            if (_lost is { } lost) throw new HpcMsgException(lost.Message, lost);
            id = ++_lastRequest;
            _pending.Add(id, lookup);
        }
        byte[] frame = LifelineFrame.Header(LifelineFrame.LookupMagic, id, first, count);
        try
        {
            await _sendGate.WaitAsync().ConfigureAwait(false);
            try { await JobAuth.SendAllAsync(_socket, frame, CancellationToken.None).ConfigureAwait(false); }
            finally { _sendGate.Release(); }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The reader sees the loss too and fails what is outstanding; this one fails now.
            using (_lock.EnterScope()) _pending.Remove(id);
            lookup.Done.TrySetException(new HpcMsgException($"the connection to hpcrun is gone ({e.Message})"));
        }
        return await lookup.Done.Task.ConfigureAwait(false);
    }

    /// <summary>The lifeline's reader in a rank: a thread of its own, blocking reads.</summary>
    private void ReadLifeline()
    {
        var header = new byte[LifelineFrame.HeaderBytes];
        Exception? why = null;
        try
        {
            while (ReceiveFrame(header))
            {
                int bodyBytes = BodyBytes(header);
                byte[] body = bodyBytes == 0 ? [] : new byte[bodyBytes];
                if (bodyBytes > 0 && !ReceiveFrame(body)) throw new HpcMsgException("hpcrun closed the connection in the middle of a message");
                OnFrame(header, body);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or HpcMsgException or IOException) { why = e; }
        OnLost(why);
        if (_closing || !ExitWhenOrphaned) return;
        Thread.Sleep(OrphanGrace);
        if (_closing) return;
        Console.Error.WriteLine($"hpcmsg: rank {_rank}: lost the connection to hpcrun; this rank exits");
        Console.Error.Flush();
        Environment.Exit(1);
    }

    /// <summary>The lifeline's reader of a simulated rank: the same, on asynchronous reads, and no exit.</summary>
    private async Task ReadLifelineAsync()
    {
        var header = new byte[LifelineFrame.HeaderBytes];
        Exception? why = null;
        try
        {
            while (await ReceiveFrameAsync(header).ConfigureAwait(false))
            {
                int bodyBytes = BodyBytes(header);
                byte[] body = bodyBytes == 0 ? [] : new byte[bodyBytes];
                if (bodyBytes > 0 && !await ReceiveFrameAsync(body).ConfigureAwait(false)) throw new HpcMsgException("hpcrun closed the connection in the middle of a message");
                OnFrame(header, body);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or HpcMsgException or IOException) { why = e; }
        OnLost(why);
    }

    /// <summary>The body that follows hpcrun's frame; throws for a frame a rank cannot place.</summary>
    private int BodyBytes(ReadOnlySpan<byte> header)
    {
        int magic = LifelineFrame.Magic(header);
        if (magic is LifelineFrame.ReadyMagic or JobEndWord.EndingMagic) return 0;
        if (magic != LifelineFrame.AnswerMagic) throw new HpcMsgException($"hpcrun sent a message this rank cannot read (0x{magic:X8})");
        int bytes = LifelineFrame.Word(header, 3);
        if (bytes < 0 || bytes > LifelineFrame.MaxAnswerBody(_size)) throw new HpcMsgException($"hpcrun announced an answer of {bytes} bytes in a job of {_size} ranks");
        return bytes;
    }

    private void OnFrame(byte[] header, byte[] body)
    {
        switch (LifelineFrame.Magic(header))
        {
            case LifelineFrame.ReadyMagic:
                int ranks = LifelineFrame.Word(header, 1);
                if (ranks != _size) throw new HpcMsgException($"hpcrun's job has {ranks} ranks, but this rank was started as one of {_size}");
                _ready.TrySetResult();
                break;
            case JobEndWord.EndingMagic:
                JobEndWord word = JobEndWord.Decode(header, JobEndWord.EndingMagic)!;
                _word ??= word;
                _wordHeard.TrySetResult(word);
                _ready.TrySetException(word.ToException()); // still in Init's barrier: Init throws
                break;
            default: // the answer
                int id = LifelineFrame.Word(header, 1);
                Lookup? lookup;
                using (_lock.EnterScope())
                {
                    // An answer to no outstanding request: its body is read, so the frames stay in
                    // step; dropping it harms nobody, ending the rank for it would.
                    if (!_pending.Remove(id, out lookup)) return;
                }
                if (LifelineFrame.Word(header, 2) == LifelineFrame.Found) Complete(lookup, body);
                else lookup.Done.TrySetException(new HpcMsgException($"hpcrun refused the request: {Encoding.UTF8.GetString(body)}"));
                break;
        }
    }

    /// <summary>An answer's endpoints, checked (count, every length within bounds and within the body).</summary>
    private static void Complete(Lookup lookup, byte[] body)
    {
        var endpoints = new string[lookup.Count];
        int at = 0;
        for (int i = 0; i < endpoints.Length; i++)
        {
            int n = at + 4 <= body.Length ? BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(at)) : -1;
            if (n < 0 || n > RendezvousServer.MaxEndpointBytes || at + 4 + n > body.Length)
            {
                lookup.Done.TrySetException(new HpcMsgException($"hpcrun's answer is malformed at endpoint {i} of {lookup.Count}"));
                return;
            }
            endpoints[i] = Encoding.UTF8.GetString(body, at + 4, n);
            at += 4 + n;
        }
        if (at != body.Length) lookup.Done.TrySetException(new HpcMsgException($"hpcrun's answer has {body.Length - at} bytes after its {lookup.Count} endpoints"));
        else lookup.Done.TrySetResult(endpoints);
    }

    /// <summary>The lifeline is gone (hpcrun exited, or this rank closed it): what is outstanding fails,
    /// later requests fail at once, and unless this rank is closing, hpcrun's absence is its word.</summary>
    private void OnLost(Exception? why)
    {
        string text = _closing
            ? "the connection to hpcrun is closed (finalize)"
            : $"lost the connection to hpcrun{(why is null ? "" : $" ({why.Message})")}";
        HpcMsgException lost = why is null ? new HpcMsgException(text) : new HpcMsgException(text, why);
        Lookup[] outstanding;
        using (_lock.EnterScope())
        {
            _lost ??= lost;
            outstanding = [.. _pending.Values];
            _pending.Clear();
        }
        foreach (Lookup l in outstanding) l.Done.TrySetException(lost);
        _ready.TrySetException(lost);
        if (_closing) return;
        _word ??= JobEndWord.LauncherGone;
        _wordHeard.TrySetResult(JobEndWord.LauncherGone);
    }

    /// <summary>Fills <paramref name="buffer"/>; false when the connection closed cleanly before its first byte.</summary>
    private bool ReceiveFrame(byte[] buffer)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = _socket.Receive(buffer, got, buffer.Length - got, SocketFlags.None);
            if (n == 0) return got == 0 ? false : throw new HpcMsgException("hpcrun closed the connection in the middle of a message");
            got += n;
        }
        return true;
    }

    private async ValueTask<bool> ReceiveFrameAsync(byte[] buffer)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = await _socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None).ConfigureAwait(false);
            if (n == 0) return got == 0 ? false : throw new HpcMsgException("hpcrun closed the connection in the middle of a message");
            got += n;
        }
        return true;
    }

    /// <summary>Tells hpcrun that this rank aborts (so that it tells the others so, and names the abort).</summary>
    public void TellAbort(int errorCode)
    {
        try
        {
            // A lookup's 16 bytes may be going out: wait for them, but not for a stuck connection.
            if (!_sendGate.Wait(TimeSpan.FromSeconds(1))) return;
            try { JobAuth.SendAll(_socket, new JobEndWord(true, _rank, errorCode).Encode(JobEndWord.AbortMagic)); }
            finally { _sendGate.Release(); }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or HpcMsgException) { }
    }

    public void Dispose()
    {
        _closing = true;
        _socket.Dispose();
    }
}
