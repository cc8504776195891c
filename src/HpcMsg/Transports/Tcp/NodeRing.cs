using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using HpcMsg.Bootstrap;

namespace HpcMsg.Transports.Tcp;

/// <summary>
/// Liveness of the nodes under a process manager. Connections between ranks open on first use, so a
/// rank killed alone on its node may hold no connection to anyone, and no peer shares its segment:
/// nobody sees it die, and Slurm (KillOnBadExit=0, the default) lets the step run on while the others
/// wait for it forever. So the first rank of each node (its leader) keeps one TCP connection to the
/// next node's leader, opened at Init once the endpoints are out, and accepts one from the previous
/// node's: a ring over the nodes, one socket in each direction per leader, none per rank. A local
/// rank's death is seen through the node's segment (the peer watch); a node whose leader dies is
/// seen by both its ring neighbours.
/// <para>
/// A link that closes without this ring's word is a failure: the survivor reports it, marks the job
/// as failed for its own blocked calls and its node's (through <c>onEnding</c>, which marks the
/// segment), and after a moment for them to report it ends the job through the job's channel (PMI
/// abort: srun cancels the step, mpiexec ends the job), as a broken connection between ranks does.
/// The words, 16 bytes: <see cref="ByeMagic"/> when a leader that finalized exits (the link's end is
/// orderly); <see cref="JobEndWord.AbortMagic"/> with the code when the leader calls Abort (the
/// neighbours' blocked calls fail as aborted, not as a failure); and
/// <see cref="JobEndWord.EndingMagic"/> naming a dead rank, passed on by a leader that has finalized
/// and can no longer end the job itself (its links stay open as a relay until its process exits, so
/// that the order in which leaders finalize never leaves a running rank unwatched). TCP keepalive on the links
/// (<see cref="KeepAliveIdle"/>) turns a node that vanishes without closing them (power, network) into
/// a broken link too, within about 20 s.
/// </para>
/// <para>A ring link authenticates like any connection of the job (<see cref="JobAuth"/>, through the
/// mesh's listener), claiming <see cref="Claim"/> of its rank rather than the rank, which keeps it
/// apart from the connection that pair of ranks may open for messages.</para>
/// </summary>
internal sealed class NodeRing : IDisposable
{
    /// <summary>A leader that finalized exits: its links close in order.</summary>
    public const int ByeMagic = 0x45594252; // "RBYE"

    /// <summary>How long Init waits for the links (the neighbours are past the same fence: seconds at most).</summary>
    private static readonly TimeSpan LinkLimit = TimeSpan.FromSeconds(60);

    /// <summary>As the peer watch's: how long the node's ranks have to report the failure before the job ends.</summary>
    private static readonly TimeSpan ReportGrace = TimeSpan.FromSeconds(1);

    /// <summary>TCP keepalive on the links: probes after this much silence, every <see cref="KeepAliveInterval"/>,
    /// <see cref="KeepAliveProbes"/> of them: a node gone without a FIN is a broken link after ~19 s.</summary>
    private const int KeepAliveIdle = 10, KeepAliveInterval = 3, KeepAliveProbes = 3;

    private readonly TcpMesh _mesh;
    private readonly int _rank;
    private readonly Action<JobEndWord> _onEnding;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private Socket? _toNext, _fromPrev;
    private int _ended, _aborted;
    private JobEndWord? _ending;

    /// <summary>The leader this one links to, and the one that links to this one (the same when there are two nodes).</summary>
    public int Next { get; }
    public int Previous { get; }

    /// <summary>What a ring link claims in the handshake instead of its rank (negative: never a rank).</summary>
    public static int Claim(int rank) => -2 - rank;

    /// <summary>The rank behind a claim, or -1 when the handshake named a rank (a connection for messages).</summary>
    public static int ClaimedRank(int claim) => claim <= -2 ? -2 - claim : -1;

    private NodeRing(TcpMesh mesh, int rank, int previous, int next, Action<JobEndWord> onEnding)
    {
        _mesh = mesh;
        _rank = rank;
        Previous = previous;
        Next = next;
        _onEnding = onEnding;
    }

    /// <summary>Links this leader to <paramref name="next"/> and waits for <paramref name="previous"/>'s
    /// link (every leader dials first, so no two wait for each other), then watches both. Throws when a
    /// link cannot be made within <see cref="LinkLimit"/>: Init fails and ends the job.</summary>
    /// <param name="mesh">This rank's mesh: its listener admits the previous leader's link, its channel gives the next's endpoint.</param>
    /// <param name="rank">This rank (its node's first).</param>
    /// <param name="previous">The previous node's first rank, which links to this one.</param>
    /// <param name="next">The next node's first rank, which this one links to.</param>
    /// <param name="onEnding">Told once that the job is ending (a link broke, or a neighbour aborted),
    /// never after <see cref="Leave"/> or <see cref="Dispose"/> has returned: marks the node's segment.</param>
    public static NodeRing Link(TcpMesh mesh, int rank, int previous, int next, Action<JobEndWord> onEnding)
    {
        var ring = new NodeRing(mesh, rank, previous, next, onEnding);
        try
        {
            using var limit = new CancellationTokenSource(LinkLimit);
            Task<Socket> toNext = ring.DialAsync(limit.Token);
            Task<Socket> fromPrevious = ring.AwaitPreviousAsync(limit.Token);
            try
            {
                ring._toNext = toNext.GetAwaiter().GetResult();
                ring._fromPrev = fromPrevious.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                throw TransportException.Error($"rank {rank}: the liveness ring over the nodes' first ranks was not linked within {LinkLimit.TotalSeconds:F0} s " +
                    $"({(toNext.IsCompletedSuccessfully ? $"no link came from rank {previous}" : $"rank {next} did not answer")})");
            }
            finally
            {
                if (!toNext.IsCompletedSuccessfully || !fromPrevious.IsCompletedSuccessfully) limit.Cancel();
                if (!toNext.IsCompletedSuccessfully) _ = toNext.ContinueWith(t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
                if (!fromPrevious.IsCompletedSuccessfully) _ = fromPrevious.ContinueWith(t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
            }
        }
        catch
        {
            ring.Dispose();
            throw;
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ring.OnExit();
        _ = ring.WatchAsync(ring._toNext, next, "next");
        _ = ring.WatchAsync(ring._fromPrev, previous, "previous");
        return ring;
    }

    private async Task<Socket> DialAsync(CancellationToken limit)
    {
        string endpoint = await _mesh.EndpointOfAsync(Next).WaitAsync(limit).ConfigureAwait(false);
        if (!IPEndPoint.TryParse(endpoint, out IPEndPoint? target))
            throw TransportException.Error($"rank {Next} published a malformed endpoint '{endpoint}'");
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(target, limit).ConfigureAwait(false);
            await JobAuth.ConnectAsync(socket, _mesh.Secret, Claim(_rank), limit).ConfigureAwait(false);
            byte[] verdict = new byte[1];
            await JobAuth.ReceiveAllAsync(socket, verdict, limit).ConfigureAwait(false);
            if (verdict[0] != TcpMesh.Accepted) throw new AuthenticationFailedException($"rank {Next} answered the ring's link with {verdict[0]}");
            KeepAlive(socket);
            return socket;
        }
        catch (Exception e) when (e is SocketException or AuthenticationFailedException)
        {
            socket.Dispose();
            throw TransportException.Error($"rank {_rank}: cannot link the liveness ring to rank {Next} (the next node's first rank) at {endpoint}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<Socket> AwaitPreviousAsync(CancellationToken limit)
    {
        while (true)
        {
            (int from, Socket socket) = await _mesh.TakeRingLinkAsync(limit).ConfigureAwait(false);
            if (from == Previous)
            {
                KeepAlive(socket);
                return socket;
            }
            // Authenticated, but not this leader's neighbour: the layouts disagree. Refused, logged.
            Console.Error.WriteLine($"hpcmsg: rank {_rank}: refused a ring link from rank {from} (expected rank {Previous})");
            socket.Dispose();
        }
    }

    private static void KeepAlive(Socket socket)
    {
        socket.NoDelay = true;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, KeepAliveIdle);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, KeepAliveInterval);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, KeepAliveProbes);
    }

    /// <summary>Waits for the neighbour's one word or the link's end; anything but the bye ends the job.</summary>
    private async Task WatchAsync(Socket socket, int peer, string which)
    {
        byte[] word = new byte[JobEndWord.Bytes];
        string why;
        try
        {
            int got = 0;
            while (got < word.Length)
            {
                int n = await socket.ReceiveAsync(word.AsMemory(got), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (n == 0) break;
                got += n;
            }
            if (got == word.Length && BinaryPrimitives.ReadInt32LittleEndian(word) == ByeMagic) return; // it finalized and exited
            if (got == word.Length && JobEndWord.Decode(word, JobEndWord.AbortMagic) is { } abort)
            {
                End(abort, $"rank {abort.Rank} called Abort({abort.ExitCode}) (heard from rank {peer}, the {which} node's first rank)");
                return;
            }
            if (got == word.Length && JobEndWord.Decode(word, JobEndWord.EndingMagic) is { } failed)
            {
                End(failed, $"rank {failed.Rank} is gone (heard from rank {peer}, the {which} node's first rank, which had finalized)");
                return;
            }
            why = got == 0 ? "its link closed without a word" : "its link sent a malformed word";
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (Volatile.Read(ref _state) == Closed) return; // this process's own close
            why = $"its link broke ({e.Message})";
        }
        End(new JobEndWord(false, peer, 137), $"rank {peer} (the {which} node's first rank) is gone: {why}; it died or its node failed");
    }

    private const int Running = 0, Left = 1, Closed = 2;

    /// <summary>Running until this leader finalizes; Left after (a relay only); Closed at exit.</summary>
    private int _state;

    /// <summary>The job is ending, once. While this leader runs: its blocked calls and its node's throw,
    /// and the job ends through its channel. After it finalized (its segment unmapped, its PMI
    /// connection closed) it can do neither, so it passes the word on to both neighbours, which end the
    /// job or pass it on in turn: a leader that finalizes first does not blind the ring.</summary>
    private void End(JobEndWord word, string why)
    {
        bool relay;
        using (_lock.EnterScope())
        {
            if (_state == Closed || Interlocked.Exchange(ref _ended, 1) != 0) return;
            _ending = word;
            relay = _state == Left;
            if (!relay)
            {
                Console.Error.WriteLine($"hpcmsg: rank {_rank}: {why}; ending the job");
                Console.Error.Flush();
                _onEnding(word);
                _mesh.EndJob(word);
            }
        }
        if (relay)
        {
            SendWord(word.Encode(word.Aborted ? JobEndWord.AbortMagic : JobEndWord.EndingMagic));
            return;
        }
        // The grace lets this node's ranks report the failure of their blocked calls first; the job is
        // ended even when this rank finalizes or exits meanwhile (Leave, the exit hook).
        _ = Task.Delay(ReportGrace).ContinueWith(_ => AbortIfEnded(), TaskScheduler.Default);
    }

    /// <summary>Ends the job through its channel, once, if this running leader saw it ending.</summary>
    private void AbortIfEnded()
    {
        using (_lock.EnterScope())
        {
            if (_state != Running || Volatile.Read(ref _ended) == 0 || Interlocked.Exchange(ref _aborted, 1) != 0) return;
        }
        JobEndWord? word = _ending;
        _mesh.TellControlAbort(word is { Aborted: true } ? word.ExitCode : 1);
    }

    /// <summary>This leader calls Abort: its neighbours hear the code before its links close.</summary>
    public void TellAbort(int errorCode) => SendWord(new JobEndWord(true, _rank, errorCode).Encode(JobEndWord.AbortMagic));

    private readonly Lock _sendLock = new();

    private void SendWord(byte[] word)
    {
        using (_sendLock.EnterScope())
        {
            foreach (Socket? s in (Socket?[])[_toNext, _fromPrev])
            {
                if (s is null) continue;
                try
                {
                    s.SendTimeout = 1000;
                    s.Send(word);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException) { } // that neighbour is gone
            }
        }
    }

    /// <summary>
    /// This leader finalizes (the mesh's Dispose, before the job's channel closes): a failure it saw
    /// still ends the job now; from here on it only relays (see <see cref="End"/>), and its links stay
    /// open until the process exits, when the bye goes out on both (<see cref="OnExit"/>). A leader
    /// that finalized first keeps the ring whole for the ranks still finalizing.
    /// </summary>
    public void Leave()
    {
        AbortIfEnded();
        using (_lock.EnterScope())
        {
            if (_state == Running) _state = Left;
        }
    }

    /// <summary>The process exits: after finalize, the bye and the close; without it (Abort, an
    /// unhandled exception, an exit that skipped finalize) no bye, so the neighbours end the job, and
    /// a failure seen meanwhile is reported through the channel first.</summary>
    internal void OnExit()
    {
        AbortIfEnded();
        bool orderly;
        using (_lock.EnterScope())
        {
            if (_state == Closed) return;
            orderly = _state == Left && Volatile.Read(ref _ended) == 0;
            _state = Closed;
        }
        if (orderly)
        {
            byte[] bye = new byte[JobEndWord.Bytes];
            BinaryPrimitives.WriteInt32LittleEndian(bye, ByeMagic);
            SendWord(bye);
        }
        CloseLinks();
    }

    private void CloseLinks()
    {
        _stop.Cancel();
        using (_sendLock.EnterScope())
        {
            _toNext?.Dispose();
            _fromPrev?.Dispose();
        }
    }

    /// <summary>Closes the links at once, without the bye: Init failed (the job is ending), or a test
    /// plays this leader's death. Nothing is reported.</summary>
    public void Dispose()
    {
        using (_lock.EnterScope())
        {
            if (_state == Closed) return;
            _state = Closed;
        }
        CloseLinks();
    }
}
