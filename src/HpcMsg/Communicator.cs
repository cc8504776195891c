using HpcMsg.Bootstrap;
using HpcMsg.Bootstrap.Pmi;
using HpcMsg.Engine;
using HpcMsg.Internal;
using HpcMsg.Transports.Shm;
using HpcMsg.Transports.Tcp;

namespace HpcMsg;

/// <summary>
/// A group of ranks with its own message space: the world after <see cref="Init"/>, or one made
/// by <see cref="Dup"/>. Point-to-point, object and management calls live in the partial files
/// beside this one.
/// </summary>
public sealed unsafe partial class Communicator : IDisposable
{
    /// <summary>Wildcard source for receives and probes: matches a message from any rank.</summary>
    public const int AnySource = -1;
    /// <summary>Wildcard tag for receives and probes: matches a message with any tag.</summary>
    public const int AnyTag = -1;

    /// <summary>Color for <c>Split</c> meaning "not in any new communicator".</summary>
    public const int Undefined = -1;

    private static Communicator? s_world;
    private static int s_initCalled;
    private static Collectives.CollectiveTuning? s_tuning; // read at Init (LoadTunables), the world's
    private static PmiJobControl? s_pmi;          // a job started through PMI: finalize and abort go there
    private static LocalPeerWatch? s_peerWatch;   // ... and a dead rank of this node ends the job

    internal readonly ProgressEngine Engine;
    private readonly int[]? _worldRanks; // rank in this communicator -> world rank; null = identity
    private readonly ShmSegment? _segment; // world only: unmapped at finalize
    private readonly bool _isWorld;
    private bool _disposed;
    private int _localRank;

    /// <summary>Context of point-to-point traffic; collectives use the next one.</summary>
    internal int Context { get; }

    /// <summary>Which algorithm each collective of this communicator takes: the world's read from the
    /// parameter registry at Init, a derived communicator's its parent's at Split or Dup. Immutable;
    /// tests give one communicator another (<c>Tuning with { ... }</c>), every rank of it alike.</summary>
    internal Collectives.CollectiveTuning Tuning { get; set; }
    internal int CollectiveContext => Context + 1;

    /// <summary>This process's rank in the communicator, 0 to <see cref="Size"/> - 1.</summary>
    public int Rank { get; }
    /// <summary>The number of ranks in the communicator.</summary>
    public int Size { get; }

    /// <summary>Largest valid tag. Collectives travel in a context of their own, so users get the whole range.</summary>
    public int TagUpperBound => int.MaxValue;

    private Communicator(ProgressEngine engine, int context, int rank, int size, int[]? worldRanks, ShmSegment? segment, bool isWorld, Collectives.CollectiveTuning tuning)
    {
        Engine = engine;
        Tuning = tuning;
        Context = context;
        Rank = rank;
        Size = size;
        _worldRanks = worldRanks;
        _segment = segment;
        _isWorld = isWorld;
        SlotCycle = isWorld ? new() : null;
    }

    /// <summary>Joins the job, whichever started it: hpcrun (its environment), a process manager
    /// through PMI (srun --mpi=pmi2, mpiexec.mpich) or through PMIx with libpmix loaded at run time
    /// (srun --mpi=pmix, Open MPI's mpirun); a process started by none is a job of size 1, and one
    /// started by a launcher the library cannot speak to fails with a message naming the fix.</summary>
    public static Communicator Init()
    {
        if (Interlocked.Exchange(ref s_initCalled, 1) != 0)
            throw new InvalidOperationException("Communicator.Init was already called in this process; use Communicator.World");
        LaunchKind launch = LauncherDetection.Detect();
        Communicator world;
        try
        {
            world = launch is LaunchKind.Pmi1 or LaunchKind.Pmi2 or LaunchKind.Pmix ? InitThroughPmi(launch) : InitFromEnvironment();
        }
        catch (Transports.TransportException e)
        {
            throw e.ToPublic(); // a transport's setup failed: its caller sees the public exception (see TransportErrors)
        }
        WarmUp(world, acrossHosts: !world.Engine.HasNodeBarrier);
        return world;
    }

    /// <summary>A job that hpcrun started (its environment), or a process that no launcher started.</summary>
    private static Communicator InitFromEnvironment()
    {
        JobEnvironment job = JobEnvironment.FromEnvironment();
        ProcessGuard.Install(job);
        LoadTunables();
        ShmSegment? segment = null;
        if (job.LocalSize > 1)
        {
            segment = job.MultiNode ? NodeSegment.OpenOrCreate(job) : ShmSegment.Open(job.ShmPath!);
            PublishJoined(job, segment);
        }
        TcpMesh? tcp = null;
        Transports.Ofi.OfiEndpoint? ofi = null;
        try
        {
            if (job.MultiNode)
            {
                int first = job.FirstLocalWorldRank, last = first + job.LocalSize;
                tcp = EstablishNetwork(job, RendezvousClient.Connect(job.Rendezvous!, job.Secret!, job.Rank, job.Size), r => r < first || r >= last, out ofi);
            }
        }
        catch
        {
            segment?.Dispose();
            throw;
        }
        return StartWorld(job, segment, tcp, ofi);
    }

    /// <summary>Under a process manager: PMI gives the ranks, the node layout and the secret (see
    /// <see cref="PmiJob"/>); local rank 0 creates the node's segment and unlinks it as soon as every
    /// local rank has mapped it (after the next fence), so that no file outlives the job however its
    /// ranks end; ranks on other nodes connect over TCP with endpoints from the PMI key-value space.</summary>
    private static Communicator InitThroughPmi(LaunchKind launch)
    {
        // Every PMI reply is awaited at most HPCMSG_PMI_TIMEOUT, and until the fences are done the node's
        // other tasks are watched: one that dies before its fence would leave the others in it forever.
        PmiWait wait = PmiWait.FromParameters();
        var control = new PmiJobControl(PmiJob.Connect(launch, wait)) { OwnedByInit = true };
        ShmSegment? segment = null;
        TcpMesh? tcp = null;
        Transports.Ofi.OfiEndpoint? ofi = null;
        LocalPeerWatch? watch = null;
        LocalTaskWatch? tasks = null;
        try
        {
            tasks = LocalTaskWatch.Start(wait, control.Client.Rank, control.TellAbort);
            JobEnvironment job = PmiJob.Join(control.Client, PmiJob.NodeIdentity());
            ProcessGuard.Install(job, (code, why) => EndJobThroughPmi(control, code, why));
            LoadTunables();
            if (job.LocalSize > 1)
            {
                segment = NodeSegment.OpenOrCreate(job);
                UnlinkAtExit(segment.Path);
                PublishJoined(job, segment);
            }
            if (job.Nodes > 1)
            {
                int first = job.FirstLocalWorldRank, last = first + job.LocalSize;
                tcp = EstablishNetwork(job, control, r => r < first || r >= last, out ofi); // its fence follows every mapping
                if (job.LocalRank == 0 && job.NodeLeaders.Length == job.Nodes && Configuration.Parameters.NodeRing.Read())
                {
                    // A rank killed alone on its node, with no connection to it, is seen by the ring.
                    ShmSegment? node = segment;
                    tcp.StartRing(job.NodeLeaders[(job.Node + job.Nodes - 1) % job.Nodes], job.NodeLeaders[(job.Node + 1) % job.Nodes],
                        word => node?.MarkJobEnding(word.Aborted ? ShmLayout.JobAborted : ShmLayout.JobRankFailed, word.Rank, word.ExitCode));
                }
            }
            else
            {
                control.Fence(); // every local rank has mapped the segment
            }
            tasks?.Dispose(); // the fences are done; from here the segment's pids show a dead rank
            tasks = null;
            if (segment is not null)
            {
                if (job.LocalRank == 0) ShmSegment.Remove(segment.Path);
                UnlinkAtExit(null);
                watch = new LocalPeerWatch(segment, job.LocalRank, job.FirstLocalWorldRank, control.TellAbort);
            }
            control.OwnedByInit = false;
            s_pmi = control;
            s_peerWatch = watch;
            return StartWorld(job, segment, tcp, ofi);
        }
        catch (Exception e)
        {
            // A failure the task watch found was said when it was found.
            bool said = tasks?.Failure is { } found && e.Message == found;
            int code = tasks?.Failure is not null ? tasks.AbortCode : 1;
            tasks?.Dispose();
            tcp?.Ring?.Dispose(); // before the segment it marks goes
            watch?.Dispose();
            if (segment is not null)
            {
                ShmSegment.Remove(segment.Path); // a failed start leaves no file either
                UnlinkAtExit(null);
                segment.Dispose();
            }
            // The other ranks may wait in a fence for this one forever (a process manager does not end
            // a step because one task failed): say why, then end the job through PMI.
            if (!said)
            {
                Console.Error.WriteLine($"hpcmsg: rank {control.Client.Rank}: Init failed: {e.Message}");
                Console.Error.Flush();
            }
            control.TellAbort(code);
            control.OwnedByInit = false;
            tcp?.Dispose();
            control.Dispose();
            throw;
        }
    }

    private static string? s_unlinkAtExit;
    private static int s_unlinkHooked;

    /// <summary>The node's segment file, between its creation and its unlinking after Init's last fence:
    /// removed at exit too, so that a job ended meanwhile (srun's SIGTERM after another rank's abort)
    /// leaves no file. Null: nothing to remove.</summary>
    private static void UnlinkAtExit(string? path)
    {
        Volatile.Write(ref s_unlinkAtExit, path);
        if (path is not null && Interlocked.Exchange(ref s_unlinkHooked, 1) == 0)
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                if (Volatile.Read(ref s_unlinkAtExit) is { } left) ShmSegment.Remove(left);
            };
    }

    private static void PublishJoined(JobEnvironment job, ShmSegment segment)
    {
        if (segment.Size != job.LocalSize)
        {
            segment.Dispose();
            throw new HpcMsgException($"shared segment {job.ShmPath} is laid out for {segment.Size} ranks but this host has {job.LocalSize}");
        }
        Volatile.Write(ref *segment.Pid(job.LocalRank), Environment.ProcessId);
        Volatile.Write(ref *segment.Ready(job.LocalRank), 1);
    }

    private static Communicator StartWorld(JobEnvironment job, ShmSegment? segment, TcpMesh? tcp, Transports.Ofi.OfiEndpoint? ofi)
    {
        int first = job.FirstLocalWorldRank, last = first + job.LocalSize;
        Transports.ITransport? network = tcp is null ? null
            : ofi is null ? new TcpTransport(tcp, job.Rank)
            : new Transports.Ofi.OfiTransport(ofi, new Transports.Ofi.OfiJobLinks(tcp.AnnexOf, () => tcp.LauncherWord is { } w ? Transports.TransportException.JobEnding(w.Aborted, w.Rank, w.ExitCode) : null, tcp.TellLauncherAbort, tcp, tcp.Bell, tcp.SilenceBell, Transports.Ofi.OfiTagLayout.JobKey(job.Secret)), job.Rank, job.Size, Configuration.Parameters.TcpEagerLimit.ReadInt(), r => r < first || r >= last);
        // The eager limit is bounded by the largest record of this node's rings; a rank without a segment takes the largest ring's.
        var config = EngineConfig.FromEnvironment(ShmTransport.LargestRecordPayload(segment?.RingCapacity ?? ShmTransport.MaxRingCapacity), job.Oversubscribed);
        var engine = new ProgressEngine(job, segment is null ? null : new ShmTransport(segment, job), network, config);
        s_world = new Communicator(engine, ContextIds.World, job.Rank, job.Size, null, segment, isWorld: true, s_tuning!) { _localRank = job.LocalRank };
        return s_world;
    }

    /// <summary>Reads every HPCMSG_ tunable now, so that a bad value fails Init with its own message
    /// rather than a type-initializer error in the middle of a collective.</summary>
    private static void LoadTunables()
    {
        try
        {
            s_tuning = Collectives.CollectiveTuning.FromParameters(); // the world's: a bad value throws, naming the variable
            System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(Serialization.ObjectFraming).TypeHandle);
        }
        catch (TypeInitializationException e) when (e.InnerException is HpcMsgException inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner); // with the initializer's stack
        }
        CheckNetworkChoice();
    }

    /// <summary>
    /// HPCMSG_NETWORK / HPCMSG_OFI_PROVIDER, when set, are honoured or refused, never ignored: a request
    /// that cannot be honoured (ofi with no usable provider, a provider libfabric does not offer) fails
    /// Init with the selection's reason, on every rank, before any endpoint is published. The decision
    /// is kept for <see cref="EstablishNetwork"/>. Unset (auto) is decided only where a job spans hosts.
    /// </summary>
    private static void CheckNetworkChoice()
    {
        string? network = Configuration.Parameters.Network.Read();
        string? provider = Configuration.Parameters.OfiProvider.Read();
        if (provider is null && (network is null || network == "auto")) return;
        if (provider is null && network == "tcp")
        {
            s_network = new Transports.Ofi.NetworkDecision(Transports.Ofi.NetworkKind.Tcp, null, $"{Transports.Ofi.NetworkSelection.NetworkVariable}=tcp");
            return;
        }
        Transports.Ofi.NetworkDecision decision = DecideNetwork(network, provider);
        if (decision.Error is string error) throw new HpcMsgException(error);
        s_network = decision;
    }

    private static Transports.Ofi.NetworkDecision DecideNetwork(string? network, string? provider) =>
        Transports.Ofi.NetworkSelection.Decide(network, provider, p => Transports.Ofi.OfiProbe.Run(Transports.Ofi.OfiLibrary.Shared, p));

    /// <summary>The network between hosts as Init decided it (null before a multi-host Init, or when
    /// the job has one host): "tcp: ..." or "ofi (provider): ...", with the reason.</summary>
    internal static Transports.Ofi.NetworkDecision? NetworkChoice => s_network;

    private static Transports.Ofi.NetworkDecision? s_network;

    /// <summary>A job across hosts: the TCP mesh (always: the launcher's lifeline, the node ring, and
    /// the channel through which a rank learns a peer's addresses), and where the network decision says
    /// ofi, this rank's libfabric endpoint, opened on the interface the mesh listens on, its address
    /// published beside the TCP endpoint (a peer's is asked for on first use, as over TCP).</summary>
    private static TcpMesh EstablishNetwork(JobEnvironment job, IJobControl control, Func<int, bool> isRemote, out Transports.Ofi.OfiEndpoint? ofi)
    {
        Transports.Ofi.NetworkDecision decision = s_network ??= DecideNetwork(null, null);
        Transports.Ofi.OfiEndpoint? opened = null;
        Func<System.Net.IPAddress, string>? annex = null;
        if (decision.Network == Transports.Ofi.NetworkKind.Ofi)
        {
            annex = address =>
            {
                try { opened = Transports.Ofi.OfiEndpoint.Open(Transports.Ofi.OfiLibrary.Shared, decision.Provider!, address.ToString(), job.Size, jobSecret: job.Secret); }
                catch (Transports.Ofi.OfiException e)
                {
                    throw new HpcMsgException($"rank {job.Rank}: {decision}; but its endpoint cannot be opened on {address}: {e.Message}");
                }
                return Transports.Ofi.OfiTransport.Annex(opened);
            };
        }
        TcpMesh mesh;
        try
        {
            mesh = TcpMesh.Establish(job, control, isRemote, annex);
        }
        catch
        {
            opened?.Dispose();
            throw;
        }
        ofi = opened;
        return mesh;
    }

    /// <summary>The world communicator after <see cref="Init"/>.</summary>
    public static Communicator World =>
        s_world ?? throw new InvalidOperationException("Communicator.Init has not been called in this process");

    internal bool IsWorld => _isWorld;

    /// <summary>The world's node collectives' slot state (see <see cref="Collectives.NodeSharedCollectives"/>);
    /// null in every other communicator, which never runs them.</summary>
    internal Collectives.NodeSlotCycle? SlotCycle { get; }

    /// <summary>The node's segment (world communicator of a job with more than one rank).</summary>
    internal ShmSegment? Segment => _segment;

    internal int WorldRankOf(int rank) => _worldRanks is null ? rank : _worldRanks[rank];

    /// <summary>The world rank of a receive's source, or -1 for the wildcard.</summary>
    internal int SourceWorldOf(int source) => source == AnySource ? -1 : WorldRankOf(source);

    internal int[] WorldRanksCopy()
    {
        var ranks = new int[Size];
        for (int i = 0; i < Size; i++) ranks[i] = WorldRankOf(i);
        return ranks;
    }

    /// <summary>On the world communicator: finalize (flush pending sends, wait for every rank, unmap and
    /// remove the shared segment). On a communicator from <see cref="Dup"/> or <see cref="Split"/>: free
    /// it, collectively (every member calls it, as MPI_Comm_free): messages left unreceived on it are
    /// dropped and its context id is given back for reuse.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (!_isWorld)
        {
            _disposed = true;
            Free();
            return;
        }
        try
        {
            // A rank that has caught a peer's failure or an abort may still finalize: the flush and
            // the barrier could never complete, so it only lets go of what it holds.
            if (!Engine.JobEndingKnown)
            {
                Engine.Flush();
                Barrier();
            }
        }
        finally
        {
            _disposed = true;
            s_peerWatch?.Dispose(); // a peer that finalizes after us is not a death
            Engine.Dispose();
            if (_segment is not null)
            {
                Volatile.Write(ref *_segment.Finalized(_localRank), 1); // hpcrun: this exit is orderly
                // After the barrier every rank has mapped the segment, so unlinking cannot strand one.
                if (_localRank == 0) ShmSegment.Remove(_segment.Path);
                _segment.Dispose();
            }
            s_pmi?.Dispose(); // PMI finalize (the TCP mesh may have done it already)
        }
    }

    /// <summary>Ends the whole job: every rank stops and hpcrun (or MPICH's mpiexec) exits with
    /// <paramref name="errorCode"/>; under srun the step is cancelled (srun exits 137 and names this
    /// task's exit code, <paramref name="errorCode"/>). Started through PMI (srun, MPICH's mpiexec, a
    /// PMIx launcher) the process then ends at once, with <c>_exit</c>: <c>AppDomain.ProcessExit</c>
    /// handlers do not run (standard output and error are flushed first).</summary>
    public void Abort(int errorCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        // The world's communicator owns the mapping; a Dup shares it.
        s_world?._segment?.MarkJobEnding(ShmLayout.JobAborted, Engine.WorldRank, errorCode);
        if (s_pmi is not null)
        {
            // Said first: srun cancels the step (its tasks are killed, srun exits 137) as soon as it
            // hears the abort; Hydra's mpiexec ends the other ranks and exits with errorCode.
            Console.Error.WriteLine($"hpcmsg: rank {Engine.WorldRank} called Abort({errorCode}); ending the job");
            Console.Error.Flush();
            s_pmi.HoldAbort = true;
        }
        // Peers on other hosts, and hpcrun, hear it through their connections before ours close.
        Engine.AnnounceAbort(errorCode);
        if (s_pmi is not null)
        {
            // Nothing is left to clean up: the segment's file went at Init's last fence (ProcessExit
            // would remove one left between its creation and that fence), the sockets and the mapping
            // go with the process. So the rank leaves at once after the PMI abort, without the exit
            // handlers (ProcessExit, the runtime's shutdown): Slurm kills the step when it hears the
            // abort, and a rank still running those handlers is reported as "Killed" rather than
            // exited with its code.
            if (Interlocked.Exchange(ref s_unlinkAtExit, null) is { } left) ShmSegment.Remove(left);
            s_pmi.HoldAbort = false;
            s_pmi.TellAbort(errorCode);
            Native.ExitNow(errorCode);
        }
        Environment.Exit(errorCode);
    }

    /// <summary>Under PMI, a rank that cannot go on (an unhandled exception): the PMI abort ends the
    /// step (srun cancels it, Hydra's mpiexec exits with <paramref name="code"/>), and the rank leaves
    /// at once with <c>_exit(code)</c>, as <see cref="Abort"/> does, so that the process manager's kill
    /// does not reach it while the runtime's exit handlers run (srun would report it "Killed" instead
    /// of exited with its code). Does not return.</summary>
    private static void EndJobThroughPmi(PmiJobControl control, int code, string why)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        if (Interlocked.Exchange(ref s_unlinkAtExit, null) is { } left) ShmSegment.Remove(left);
        control.TellAbort(code, why);
        Native.ExitNow(code);
    }

    private void ThrowIfDisposed()
    {
        if (_disposed) ThrowHelper.Disposed();
    }

    private void CheckDest(int dest)
    {
        if ((uint)dest >= (uint)Size) ThrowHelper.RankOutOfRange(nameof(dest), dest, Size, wildcardAllowed: false);
    }

    private void CheckSource(int source)
    {
        if (source != AnySource && (uint)source >= (uint)Size) ThrowHelper.RankOutOfRange(nameof(source), source, Size, wildcardAllowed: true);
    }

    private void CheckSendTag(int tag, string name = "tag")
    {
        if (tag < 0) ThrowHelper.TagOutOfRange(name, tag, TagUpperBound, wildcardAllowed: false);
    }

    private void CheckRecvTag(int tag, string name = "tag")
    {
        if (tag < AnyTag) ThrowHelper.TagOutOfRange(name, tag, TagUpperBound, wildcardAllowed: true);
    }
}
