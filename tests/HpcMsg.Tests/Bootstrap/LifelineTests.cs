using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HpcMsg.Bootstrap;
using HpcMsg.Transports;
using HpcMsg.Transports.Tcp;

namespace HpcMsg.Tests.Bootstrap;

/// <summary>
/// The lifeline between a rank and hpcrun carries, framed (<see cref="LifelineFrame"/>), the Init
/// barrier, a rank's lookups of its peers' endpoints and hpcrun's answers, the job-end word and the
/// abort word. The rank's side against an hpcrun played frame by frame by the test (answers out of
/// order, the job-end word between them, the connection closed mid-lookup); hpcrun's side
/// (<see cref="RendezvousServer"/>) against strangers, bad requests and many outstanding lookups.
/// </summary>
public sealed class LifelineTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private static string Endpoint(int r) => $"10.0.{r >> 8}.{r & 255}:{5000 + r}";

    [Fact]
    public async Task Answers_reach_their_requests_by_id_in_any_order_with_the_job_end_word_between_them()
    {
        const int N = 8;
        using var launcher = new ScriptedLauncher();
        RendezvousClient client = await launcher.JoinAsync(0, N);
        try
        {
            // Eight lookups outstanding at once: seven of one peer, and a batch that wraps round the end.
            Task<string>[] single = [.. Enumerable.Range(1, N - 1).Select(client.EndpointOfAsync)];
            Task<string[]> batch = client.LookupAsync(6, 4);
            Assert.Same(single[2], client.EndpointOfAsync(3)); // asked once, however often asked
            var requests = new List<(int Id, int First, int Count)>();
            for (int i = 0; i < N; i++)
            {
                byte[] h = await launcher.ReadHeaderAsync();
                Assert.Equal(LifelineFrame.LookupMagic, LifelineFrame.Magic(h));
                requests.Add((LifelineFrame.Word(h, 1), LifelineFrame.Word(h, 2), LifelineFrame.Word(h, 3)));
            }
            Assert.Equal(N, requests.Select(q => q.Id).Distinct().Count());
            (int, int)[] expected = [.. Enumerable.Range(1, N - 1).Select(p => (p, 1)), (6, 4)];
            Assert.Equal(expected.Order(), requests.Select(q => (q.First, q.Count)).Order());
            Assert.All(single, t => Assert.False(t.IsCompleted));
            Assert.False(batch.IsCompleted);

            // The answers last to first, and hpcrun's job-end word in the middle of them.
            var word = new JobEndWord(true, 5, 9);
            for (int i = requests.Count - 1; i >= 0; i--)
            {
                (int id, int first, int count) = requests[i];
                await launcher.SendAsync(ScriptedLauncher.Answer(id, [.. Enumerable.Range(first, count).Select(k => Endpoint(k % N))]));
                if (i == requests.Count / 2) await launcher.SendAsync(word.Encode(JobEndWord.EndingMagic));
            }
            Assert.Equal(word, await client.LauncherWordHeard.WaitAsync(Limit));
            Assert.Equal(word, client.LauncherWord);
            for (int p = 1; p < N; p++) Assert.Equal(Endpoint(p), await single[p - 1].WaitAsync(Limit));
            Assert.Equal(new[] { Endpoint(6), Endpoint(7), Endpoint(0), Endpoint(1) }, await batch.WaitAsync(Limit));
        }
        finally
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task Hpcrun_closing_mid_lookup_fails_every_outstanding_one_and_later_ones_at_once()
    {
        const int N = 8;
        using var launcher = new ScriptedLauncher();
        RendezvousClient client = await launcher.JoinAsync(0, N);
        try
        {
            Task<string>[] asked = [.. Enumerable.Range(1, 5).Select(client.EndpointOfAsync)];
            for (int i = 0; i < asked.Length; i++) Assert.Equal(LifelineFrame.LookupMagic, LifelineFrame.Magic(await launcher.ReadHeaderAsync()));
            launcher.CloseRank();
            foreach (Task<string> t in asked)
            {
                HpcMsgException e = await Assert.ThrowsAsync<HpcMsgException>(() => t.WaitAsync(Limit));
                Assert.Contains("lost the connection to hpcrun", e.Message);
            }
            Assert.Equal(JobEndWord.LauncherGone, await client.LauncherWordHeard.WaitAsync(Limit));
            Assert.Equal(JobEndWord.LauncherGone, client.LauncherWord);
            // Asked afterwards: fails at once, without a request.
            Task<string> late = client.EndpointOfAsync(7);
            Assert.True(late.IsCompleted || await Task.WhenAny(late, Task.Delay(Limit)) == late, "a lookup after the loss did not end");
            HpcMsgException lateError = await Assert.ThrowsAsync<HpcMsgException>(() => late);
            Assert.Contains("lost the connection to hpcrun", lateError.Message);
        }
        finally
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task The_job_end_word_before_the_barrier_fails_Init_with_it()
    {
        using var launcher = new ScriptedLauncher();
        Task<string> accepted = launcher.AcceptAsync();
        RendezvousClient client = await RendezvousClient.ConnectAsync(launcher.Address, launcher.Secret, 2, 4).WaitAsync(Limit);
        try
        {
            Task exchange = client.ExchangeEndpointsAsync(Endpoint(2));
            Assert.Equal(Endpoint(2), await accepted.WaitAsync(Limit));
            await launcher.SendAsync(new JobEndWord(false, 3, 137).Encode(JobEndWord.EndingMagic));
            RankFailedException e = await Assert.ThrowsAsync<RankFailedException>(() => exchange.WaitAsync(Limit));
            Assert.Equal(3, e.FailedRank);
        }
        finally
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task A_dial_whose_lookup_loses_hpcrun_fails_with_RankFailedException_naming_the_peer()
    {
        using var launcher = new ScriptedLauncher();
        Task<string> accepted = launcher.AcceptAsync();
        var job = new JobEnvironment(0, 2, "lifeline-" + Guid.NewGuid().ToString("N"), null, 0, false)
        {
            LocalRank = 0, LocalSize = 1, Node = 0, Nodes = 2,
            Rendezvous = launcher.Address, Secret = launcher.Secret, IfaceAddress = "127.0.0.1",
        };
        RendezvousClient client = RendezvousClient.Connect(launcher.Address, launcher.Secret, 0, 2);
        client.ExitWhenOrphaned = false; // hpcrun "vanishes" inside the tests' process
        Task<TcpMesh> establish = Task.Run(() => TcpMesh.Establish(job, client, peer => peer != 0));
        await accepted.WaitAsync(Limit);
        await launcher.SendAsync(LifelineFrame.Header(LifelineFrame.ReadyMagic, 2, 0, 0));
        using TcpMesh mesh = await establish.WaitAsync(Limit);

        mesh.Open(1); // the engine's call: returns once the request is written
        byte[] h = await launcher.ReadHeaderAsync();
        Assert.Equal((LifelineFrame.LookupMagic, 1, 1), (LifelineFrame.Magic(h), LifelineFrame.Word(h, 2), LifelineFrame.Word(h, 3)));
        launcher.CloseRank();

        TcpMesh.Opened opened = default;
        long deadline = Environment.TickCount64 + (long)Limit.TotalMilliseconds;
        while (!mesh.TryTakeOpened(out opened))
        {
            Assert.True(Environment.TickCount64 < deadline, "the dial neither failed nor succeeded");
            await Task.Delay(10);
        }
        Assert.Equal(1, opened.Peer);
        Assert.Null(opened.Socket);
        TransportException error = Assert.IsType<TransportException>(opened.Error);
        Assert.Equal((TransportFailureKind.PeerLost, 1), (error.Kind, error.Rank));
        Assert.Contains("cannot connect to rank 1", error.Message);
        Assert.Contains("lost the connection to hpcrun", error.Message);
        Assert.Equal(JobEndWord.LauncherGone, mesh.LauncherWord);
    }

    [Fact]
    public async Task Hpcrun_refuses_strangers_and_bad_requests_logs_them_and_the_job_goes_on()
    {
        const int N = 4;
        byte[] secret = JobSecret.Create();
        var logged = new ConcurrentQueue<string>();
        using var server = new RendezvousServer(IPAddress.Loopback, N, secret, logged.Enqueue);

        // A stranger, without the secret.
        using (var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await stranger.ConnectAsync(server.Endpoint);
            await Assert.ThrowsAnyAsync<HpcMsgException>(() => JobAuth.ConnectAsync(stranger, JobSecret.Create(), 0).WaitAsync(Limit));
        }

        // Rank 0 by hand: it asks before every rank has published, then sends a frame hpcrun does not know.
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await raw.ConnectAsync(server.Endpoint);
        await JobAuth.ConnectAsync(raw, secret, 0).WaitAsync(Limit);
        byte[] mine = Encoding.UTF8.GetBytes(Endpoint(0));
        await Send(raw, [.. LifelineFrame.Header(LifelineFrame.PublishMagic, mine.Length, 0, 0), .. mine]);
        await Send(raw, LifelineFrame.Header(LifelineFrame.LookupMagic, 1, 1, 1));
        (byte[] early, byte[] earlyBody) = await ReadFrame(raw);
        Assert.Equal((LifelineFrame.AnswerMagic, 1, LifelineFrame.Refused), (LifelineFrame.Magic(early), LifelineFrame.Word(early, 1), LifelineFrame.Word(early, 2)));
        Assert.Contains("not every rank has published", Encoding.UTF8.GetString(earlyBody));
        await Send(raw, LifelineFrame.Header(0x58585858, 1, 2, 3));

        // The others join as ranks do.
        var clients = new RendezvousClient[N];
        try
        {
            await Task.WhenAll(Enumerable.Range(1, N - 1).Select(async r =>
            {
                clients[r] = await RendezvousClient.ConnectAsync(server.Endpoint.ToString(), secret, r, N);
                await clients[r].ExchangeEndpointsAsync(Endpoint(r));
            })).WaitAsync(Limit);
            (byte[] ready, _) = await ReadFrame(raw);
            Assert.Equal((LifelineFrame.ReadyMagic, N), (LifelineFrame.Magic(ready), LifelineFrame.Word(ready, 1)));

            // Ranks out of range: refused, with the reason; the same connection goes on being answered.
            foreach ((int first, int count) in new[] { (N, 1), (-1, 1), (0, 0), (0, N + 1) })
            {
                HpcMsgException e = await Assert.ThrowsAsync<HpcMsgException>(() => clients[1].LookupAsync(first, count).WaitAsync(Limit));
                Assert.Contains($"not in a job of {N} ranks", e.Message);
            }
            Assert.Equal(Endpoint(2), await clients[1].EndpointOfAsync(2).WaitAsync(Limit));
            await Assert.ThrowsAsync<HpcMsgException>(() => clients[1].EndpointOfAsync(N)); // refused by the rank itself, never asked

            // Rank 0's connection too, after its unknown frame: a batch that wraps round.
            await Send(raw, LifelineFrame.Header(LifelineFrame.LookupMagic, 2, 3, 2));
            (byte[] answer, byte[] body) = await ReadFrame(raw);
            Assert.Equal((LifelineFrame.AnswerMagic, 2, LifelineFrame.Found), (LifelineFrame.Magic(answer), LifelineFrame.Word(answer, 1), LifelineFrame.Word(answer, 2)));
            Assert.Equal(ScriptedLauncher.Answer(2, Endpoint(3), Endpoint(0)).AsSpan(LifelineFrame.HeaderBytes).ToArray(), body);

            Assert.Equal(5, server.Refused);
            Assert.Single(logged, l => l.Contains("refused a connection to the job's rendezvous", StringComparison.Ordinal));
            Assert.Single(logged, l => l.Contains("refused rank 0's request 1", StringComparison.Ordinal) && l.Contains("not every rank has published", StringComparison.Ordinal));
            Assert.Single(logged, l => l.Contains("rank 0 sent a message the rendezvous does not know (0x58585858)", StringComparison.Ordinal));
            Assert.Equal(4, logged.Count(l => l.Contains("refused rank 1's request", StringComparison.Ordinal) && l.Contains($"not in a job of {N} ranks", StringComparison.Ordinal)));

            // The job goes on: hpcrun's word reaches every rank, rank 0 included.
            var word = new JobEndWord(false, 2, 1);
            server.AnnounceJobEnding(word);
            for (int r = 1; r < N; r++) Assert.Equal(word, await clients[r].LauncherWordHeard.WaitAsync(Limit));
            (byte[] ending, _) = await ReadFrame(raw);
            Assert.Equal(word, JobEndWord.Decode(ending, JobEndWord.EndingMagic));
        }
        finally
        {
            foreach (RendezvousClient? c in clients) c?.Dispose();
        }
    }

    [Fact]
    public async Task The_job_end_word_and_many_large_answers_share_each_lifeline_whole()
    {
        const int N = 256, Batches = 4;
        byte[] secret = JobSecret.Create();
        var logged = new ConcurrentQueue<string>();
        using var server = new RendezvousServer(IPAddress.Loopback, N, secret, logged.Enqueue);
        var clients = new RendezvousClient[N];
        try
        {
            await Task.WhenAll(Enumerable.Range(0, N).Select(async r =>
            {
                clients[r] = await RendezvousClient.ConnectAsync(server.Endpoint.ToString(), secret, r, N);
                await clients[r].ExchangeEndpointsAsync(Endpoint(r));
            })).WaitAsync(Limit);

            // Every rank asks for the whole job several times at once (answers of ~5 KB) and for its
            // neighbours, while hpcrun announces the job's end on every lifeline.
            Task<string[]>[][] batches = [.. Enumerable.Range(0, N).Select(r => Enumerable.Range(0, Batches).Select(k => clients[r].LookupAsync((r + 37 * k) % N, N)).ToArray())];
            Task<string>[][] neighbours = [.. Enumerable.Range(0, N).Select(r => new[] { clients[r].EndpointOfAsync((r + 1) % N), clients[r].EndpointOfAsync((r + N - 1) % N) })];
            var word = new JobEndWord(true, 7, 3);
            Task announce = Task.Run(() => server.AnnounceJobEnding(word));
            await Task.WhenAll(batches.SelectMany(b => b)).WaitAsync(Limit);
            await Task.WhenAll(neighbours.SelectMany(b => b)).WaitAsync(Limit);
            await announce.WaitAsync(Limit);

            for (int r = 0; r < N; r++)
            {
                for (int k = 0; k < Batches; k++)
                {
                    string[] got = await batches[r][k];
                    int first = (r + 37 * k) % N;
                    for (int i = 0; i < N; i++) Assert.Equal(Endpoint((first + i) % N), got[i]);
                }
                Assert.Equal(Endpoint((r + 1) % N), await neighbours[r][0]);
                Assert.Equal(Endpoint((r + N - 1) % N), await neighbours[r][1]);
                Assert.Equal(word, await clients[r].LauncherWordHeard.WaitAsync(Limit));
            }
            Assert.Equal((long)N * (Batches * N + 2), server.EndpointsSent);
            Assert.Empty(logged);
        }
        finally
        {
            foreach (RendezvousClient? c in clients) c?.Dispose();
        }
    }

    private static Task Send(Socket socket, byte[] frame) => JobAuth.SendAllAsync(socket, frame, CancellationToken.None).AsTask().WaitAsync(Limit);

    /// <summary>One of hpcrun's frames: its header, and its body when it is an answer.</summary>
    private static async Task<(byte[] Header, byte[] Body)> ReadFrame(Socket socket)
    {
        byte[] header = new byte[LifelineFrame.HeaderBytes];
        await JobAuth.ReceiveAllAsync(socket, header, CancellationToken.None).AsTask().WaitAsync(Limit);
        byte[] body = new byte[LifelineFrame.Magic(header) == LifelineFrame.AnswerMagic ? LifelineFrame.Word(header, 3) : 0];
        await JobAuth.ReceiveAllAsync(socket, body, CancellationToken.None).AsTask().WaitAsync(Limit);
        return (header, body);
    }

    /// <summary>hpcrun's side played by the test, frame by frame, for one rank.</summary>
    private sealed class ScriptedLauncher : IDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private Socket? _rank;

        public ScriptedLauncher()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(4);
        }

        public byte[] Secret { get; } = JobSecret.Create();

        public string Address => _listener.LocalEndPoint!.ToString()!;

        /// <summary>Takes the rank's connection, proves the secret, and returns the endpoint it publishes.</summary>
        public async Task<string> AcceptAsync()
        {
            _rank = await _listener.AcceptAsync().WaitAsync(Limit);
            _rank.NoDelay = true;
            await JobAuth.AcceptAsync(_rank, Secret).WaitAsync(Limit);
            byte[] header = await ReadHeaderAsync();
            Assert.Equal(LifelineFrame.PublishMagic, LifelineFrame.Magic(header));
            byte[] endpoint = new byte[LifelineFrame.Word(header, 1)];
            await JobAuth.ReceiveAllAsync(_rank, endpoint, CancellationToken.None).AsTask().WaitAsync(Limit);
            return Encoding.UTF8.GetString(endpoint);
        }

        /// <summary>A simulated rank (no thread, no exit) joined past the barrier.</summary>
        public async Task<RendezvousClient> JoinAsync(int rank, int size)
        {
            Task<string> accepted = AcceptAsync();
            RendezvousClient client = await RendezvousClient.ConnectAsync(Address, Secret, rank, size).WaitAsync(Limit);
            try
            {
                Task exchange = client.ExchangeEndpointsAsync(Endpoint(rank));
                Assert.Equal(Endpoint(rank), await accepted.WaitAsync(Limit));
                Assert.False(exchange.IsCompleted); // the barrier holds until hpcrun says every rank has published
                await SendAsync(LifelineFrame.Header(LifelineFrame.ReadyMagic, size, 0, 0));
                await exchange.WaitAsync(Limit);
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        public async Task<byte[]> ReadHeaderAsync()
        {
            byte[] header = new byte[LifelineFrame.HeaderBytes];
            await JobAuth.ReceiveAllAsync(_rank!, header, CancellationToken.None).AsTask().WaitAsync(Limit);
            return header;
        }

        public Task SendAsync(byte[] frame) => Send(_rank!, frame);

        /// <summary>hpcrun gone: the rank's connection closes.</summary>
        public void CloseRank() => _rank!.Dispose();

        /// <summary>An answer frame as hpcrun writes one.</summary>
        public static byte[] Answer(int id, params string[] endpoints)
        {
            byte[][] texts = [.. endpoints.Select(Encoding.UTF8.GetBytes)];
            var frame = new byte[LifelineFrame.HeaderBytes + texts.Sum(t => 4 + t.Length)];
            LifelineFrame.WriteHeader(frame, LifelineFrame.AnswerMagic, id, LifelineFrame.Found, frame.Length - LifelineFrame.HeaderBytes);
            int at = LifelineFrame.HeaderBytes;
            foreach (byte[] t in texts)
            {
                BitConverter.TryWriteBytes(frame.AsSpan(at), t.Length);
                t.CopyTo(frame, at + 4);
                at += 4 + t.Length;
            }
            return frame;
        }

        public void Dispose()
        {
            _rank?.Dispose();
            _listener.Dispose();
        }
    }
}
