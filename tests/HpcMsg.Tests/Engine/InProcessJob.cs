using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HpcMsg.Bootstrap;
using HpcMsg.Engine;
using HpcMsg.Transports.Shm;
using HpcMsg.Transports.Tcp;

namespace HpcMsg.Tests.Engine;

/// <summary>
/// Progress engines of one job inside this test process, driven by the test thread: a job of one
/// (no segment) or the ranks of one node sharing a real segment in /dev/shm. A rank may be made
/// "orphaned": its launcher pid names no process, so the first wait of that rank that turns idle
/// throws <see cref="JobAbortedException"/> (ProgressEngine.ThrowIfOrphaned) while the engine, and
/// every other rank, carry on: a wait that throws and a job that stays alive.
/// </summary>
internal sealed unsafe class InProcessJob : IDisposable
{
    public const int Context = ContextIds.World;

    /// <summary>Above any pid_max, so that kill(pid, 0) fails with ESRCH: the launcher "is gone".</summary>
    private const int DeadLauncher = int.MaxValue;

    private readonly string? _path;
    private readonly ShmSegment? _segment;
    private readonly RendezvousServer? _rendezvous;

    public ProgressEngine[] Engines { get; }

    public ShmSegment Segment => _segment ?? throw new InvalidOperationException("a job of one has no segment");

    private InProcessJob(string? path, ShmSegment? segment, ProgressEngine[] engines, RendezvousServer? rendezvous = null)
    {
        _path = path;
        _segment = segment;
        _rendezvous = rendezvous;
        Engines = engines;
    }

    /// <summary>A job of one, without a segment (as a process started without hpcrun).</summary>
    public static InProcessJob Singleton(bool orphaned)
    {
        var job = new JobEnvironment(0, 1, "unit-" + Guid.NewGuid().ToString("N"), null, orphaned ? DeadLauncher : 0, false);
        return new InProcessJob(null, null, [new ProgressEngine(job, null, null, Config(MaxRing, crossMemory: false))]);
    }

    /// <summary><paramref name="np"/> ranks of one node on a fresh segment.</summary>
    public static InProcessJob Node(int np, int orphanedRank = -1, bool crossMemory = false)
    {
        string jobId = "unit-" + Guid.NewGuid().ToString("N");
        string path = ShmSegment.PathFor(jobId);
        ShmSegment.Create(path, np);
        ShmSegment segment = ShmSegment.Open(path);
        var engines = new ProgressEngine[np];
        for (int r = 0; r < np; r++)
        {
            Volatile.Write(ref *segment.Pid(r), Environment.ProcessId); // every rank is this process: cross-memory reads work
            Volatile.Write(ref *segment.Ready(r), 1);
            var job = new JobEnvironment(r, np, jobId, path, r == orphanedRank ? DeadLauncher : 0, false) { LocalRank = r, LocalSize = np };
            engines[r] = new ProgressEngine(job, new ShmTransport(segment, job), null, Config(segment.RingCapacity, crossMemory));
        }
        return new InProcessJob(path, segment, engines);
    }

    /// <summary><paramref name="np"/> ranks, each alone on its "host", meshed over loopback TCP
    /// through an in-process rendezvous (as hpcrun's). Each rank joins on a thread of its own (joining
    /// blocks until every rank has published; on pool threads, a big job waited for the pool to grow).</summary>
    public static InProcessJob OverTcp(int np, int orphanedRank = -1)
    {
        byte[] secret = JobSecret.Create();
        var server = new RendezvousServer(System.Net.IPAddress.Loopback, np, secret, _ => { });
        string jobId = "unit-" + Guid.NewGuid().ToString("N");
        var meshes = new TcpMesh?[np];
        var jobs = new JobEnvironment[np];
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = new Thread[np];
        for (int r = 0; r < np; r++)
        {
            var job = jobs[r] = new JobEnvironment(r, np, jobId, null, r == orphanedRank ? DeadLauncher : 0, false)
            {
                LocalRank = 0, LocalSize = 1, Node = r, Nodes = np,
                Rendezvous = server.Endpoint.ToString(), Secret = secret, IfaceAddress = "127.0.0.1",
            };
            threads[r] = new Thread(() =>
            {
                try { meshes[job.Rank] = TcpMesh.Establish(job, RendezvousClient.Connect(job.Rendezvous!, secret, job.Rank, np), peer => peer != job.Rank); }
                catch (Exception e) { errors.Enqueue(e); }
            }, 256 * 1024) { IsBackground = true, Name = $"join rank {r}" };
            threads[r].Start();
        }
        long deadline = Environment.TickCount64 + 30_000;
        bool joined = threads.All(t => t.Join(TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64))));
        if (!joined || !errors.IsEmpty)
        {
            // Meshes first: a lifeline that sees the server close takes it for hpcrun's death and exits the process.
            foreach (TcpMesh? m in meshes) m?.Dispose();
            server.Dispose();
            throw joined ? new AggregateException("ranks failed to join", errors) : new TimeoutException("the in-process TCP job did not wire up within 30 s");
        }
        var engines = new ProgressEngine[np];
        for (int r = 0; r < np; r++) engines[r] = new ProgressEngine(jobs[r], null, new TcpTransport(meshes[r]!, r), Config(MaxRing, crossMemory: false));
        return new InProcessJob(null, null, engines, server);
    }

    /// <summary><paramref name="np"/> ranks joined by an in-process <see cref="LoopbackFabric"/>: no segment,
    /// no sockets, every rank's peers reached through the engine's transport seam.</summary>
    public static InProcessJob OverLoopback(int np, LoopbackFabric? fabric = null)
    {
        fabric ??= new LoopbackFabric(np);
        string jobId = "unit-" + Guid.NewGuid().ToString("N");
        var engines = new ProgressEngine[np];
        for (int r = 0; r < np; r++)
        {
            var job = new JobEnvironment(r, np, jobId, null, 0, false) { LocalRank = 0, LocalSize = 1, Node = r, Nodes = np };
            engines[r] = new ProgressEngine(job, null, fabric.Transports[r], Config(MaxRing, crossMemory: false));
        }
        return new InProcessJob(null, null, engines);
    }

    private const int MaxRing = ShmTransport.MaxRingCapacity;

    /// <summary>The environment's tunables, with the large-message path fixed by the test.</summary>
    private static EngineConfig Config(int ringCapacity, bool crossMemory)
    {
        EngineConfig e = EngineConfig.FromEnvironment(ShmTransport.LargestRecordPayload(ringCapacity), oversubscribed: false);
        return new EngineConfig
        {
            EagerLimit = e.EagerLimit,
            TcpEagerLimit = e.TcpEagerLimit,
            ChunkBytes = e.ChunkBytes,
            SpinMicros = 1000, // the orphaned rank's idle wait reaches its launcher check within milliseconds
            Yields = e.Yields,
            SleepMicros = e.SleepMicros,
            UseCrossMemoryAttach = crossMemory,
            CrossMemoryAttachBytes = 0, // with crossMemory, every rendezvous message is a single copy
            AsymmetricFence = e.AsymmetricFence,
            Oversubscribed = false,
        };
    }

    /// <summary>Drives every engine until <paramref name="done"/> holds; fails after 20 s.</summary>
    public void DriveUntil(Func<bool> done, string what)
    {
        long deadline = Environment.TickCount64 + 20_000;
        while (!done())
        {
            if (Environment.TickCount64 > deadline) Assert.Fail($"timed out waiting for {what}");
            for (int i = 0; i < Engines.Length; i++) Engines[i].Progress();
        }
    }

    /// <summary>Drives every engine for a number of passes (to show that something does not happen).</summary>
    public void Drive(int passes)
    {
        for (int p = 0; p < passes; p++)
            for (int i = 0; i < Engines.Length; i++) Engines[i].Progress();
    }

    /// <summary>A receive posted the way IRecv posts one into an array: a pooled operation and its
    /// handle, the array unpinned (the engine copies into it under <c>fixed</c>, or pins it for a
    /// transfer that outlives a call).</summary>
    public static Request PostRecv(ProgressEngine e, int source, int tag, byte[] buffer) =>
        new(e, e.PostNewReceive(Context, source, source == Communicator.AnySource ? -1 : source, tag, 1, null, buffer.Length, default, pinned: false, array: buffer));

    /// <summary>A send posted the way ISend posts one (a pooled operation and its handle).</summary>
    public static Request PostSend(ProgressEngine e, int dest, int tag, byte[] data) =>
        new(e, e.PostNewSend(Context, e.WorldRank, dest, tag, 1, Address(data), data.Length, default, pinned: false));

    /// <summary>An array on the pinned heap: its address stays valid, so that a write through a
    /// stale request lands in it and is seen by the test instead of corrupting the heap.</summary>
    public static byte[] Pinned(int length, byte fill = 0)
    {
        byte[] a = GC.AllocateArray<byte>(length, pinned: true);
        a.AsSpan().Fill(fill);
        return a;
    }

    public static byte[] Pattern(int length, int seed)
    {
        byte[] a = Pinned(length);
        for (int i = 0; i < length; i++) a[i] = (byte)(i * 31 + seed * 7 + (i >> 8));
        return a;
    }

    public static byte* Address(byte[] pinned) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));

    public void Dispose()
    {
        // Engines first: each closes its lifeline to the rendezvous before the server goes, or the
        // lifeline's watcher would take the server's close for hpcrun's death and exit the process.
        foreach (ProgressEngine e in Engines) e.Dispose();
        _rendezvous?.Dispose();
        _segment?.Dispose();
        if (_path is not null) ShmSegment.Remove(_path);
    }
}

/// <summary>The engine's progress and wait calls for a request's handle, as the engine tests drive them
/// (the engine itself knows only its operations).</summary>
internal static class EngineRequestExtensions
{
    /// <summary>One progress pass unless <paramref name="r"/> has completed; true once it has. Never throws its failure.</summary>
    public static bool ProgressFor(this ProgressEngine e, Request r)
    {
        if (r.IsCompleted) return true;
        e.Progress();
        return r.IsCompleted;
    }

    /// <summary>Waits (spinning, yielding, sleeping) until <paramref name="r"/> has completed; never throws its failure.</summary>
    public static void WaitFor(this ProgressEngine e, Request r)
    {
        Assert.Same(e, r.Engine);
        r.AwaitCompletion();
    }
}
