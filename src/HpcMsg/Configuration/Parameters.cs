using HpcMsg.Collectives;
using HpcMsg.Engine;

namespace HpcMsg.Configuration;

/// <summary>
/// Every HPCMSG_ environment variable, declared once: name, type, default, valid values and the reason
/// for the default. The library reads its tunables (EngineConfig, CollectiveTuning, ObjectFraming) and
/// the launcher's variables (JobEnvironment) only through these descriptors, <c>hpcrun --info</c> lists
/// them with their values and sources, and a test keeps the README's tables equal to <see cref="All"/>.
/// Measurements quoted are from the 2-vCPU EPYC VM of docs/benchmarks unless said otherwise.
/// </summary>
internal static class Parameters
{
    /// <summary>The names of the variables hpcrun sets for each rank: constants, because the launcher
    /// and JobEnvironment name them in switch cases and attribute-free tables.</summary>
    public static class Names
    {
        public const string Rank = "HPCMSG_RANK";
        public const string Size = "HPCMSG_SIZE";
        public const string JobId = "HPCMSG_JOB_ID";
        public const string Shm = "HPCMSG_SHM";
        public const string LauncherPid = "HPCMSG_LAUNCHER_PID";
        public const string Oversubscribed = "HPCMSG_OVERSUBSCRIBED";
        public const string LocalRank = "HPCMSG_LOCAL_RANK";
        public const string LocalSize = "HPCMSG_LOCAL_SIZE";
        public const string Node = "HPCMSG_NODE";
        public const string Nodes = "HPCMSG_NODES";
        public const string Host = "HPCMSG_HOST";
        public const string Rendezvous = "HPCMSG_RENDEZVOUS";
        public const string Secret = "HPCMSG_SECRET";
        public const string SecretStdin = "HPCMSG_SECRET_STDIN";
        public const string Iface = "HPCMSG_IFACE";
        public const string IfaceAddress = "HPCMSG_IFACE_ADDR";
        public const string SlurmAgentPlan = "HPCMSG_SLURM_AGENT_PLAN";
        public const string SlurmAgentSecret = "HPCMSG_SLURM_AGENT_SECRET";
    }

    private const ParameterOwner ByLauncher = ParameterOwner.Launcher;

    // ---- Shared memory and waiting (EngineConfig) ----

    public static readonly IntegerParameter EagerLimit = new("HPCMSG_EAGER_LIMIT", 16 * 1024, 0, int.MaxValue,
        "largest message (bytes) sent inline through the ring; larger ones use rendezvous. 16 KiB: below it two memcpy " +
        "of L1/L2-resident data beat the ~1.5 us fixed cost of a cross-memory read. Capped at a quarter of the ring.");

    public static readonly SwitchParameter ShmCma = new("HPCMSG_SHM_CMA", true,
        "1: a message of at least HPCMSG_SHM_CMA_BYTES between ranks of a node is copied once by its receiver with " +
        "process_vm_readv (each rank allows it with PR_SET_PTRACER under Yama ptrace_scope 1, as Open MPI's vader does); " +
        "where the kernel refuses a read (EPERM, EACCES, ENOSYS: another uid, ptrace_scope 2, seccomp) that pair of " +
        "ranks falls back to the ring pipeline for good, and the refused message comes through it whole. 0: every " +
        "message above the eager limit is pipelined in 32 KiB chunks through the ring (sender and receiver copy at once). " +
        "1 by default, measured on the 2-vCPU VM: quiet (docs/benchmarks/report.md, np 2) bw 64 KiB-4 MiB 7.1-10.5 " +
        "against the ring's 6.0-6.2 GB/s, bibw 15-18 against ~7, bcast/alltoall/allgather/allreduce 1 MiB 94/136/143/142 " +
        "against 606/1,178/307/346 us. Four interleaved runs of the two, 5-7 rounds each (2026-12-07, load 6-11 from " +
        "other jobs): at np 2, 64 KiB-4 MiB, the single copy's bw was 1.5-340x the pipeline's, which needs sender and " +
        "receiver on a core at once; np 4 on 2 cores, bcast and scatter 64 KiB-1 MiB took 0.1-0.7x the ring's time (one row " +
        "1.1x), alltoall 0.2-1.3x, allgather 0.3-1.8x, allreduce 0.4-2.3x (slower in 9 of 12 rows over four runs; under " +
        "that load a row that takes the same path either way differed by 1.3-1.5x, and one size's rounds by up to 10x).");

    public static readonly IntegerParameter ShmCmaBytes = new("HPCMSG_SHM_CMA_BYTES", 32 * 1024, 0, long.MaxValue,
        "smallest message (bytes) copied once with process_vm_readv when HPCMSG_SHM_CMA=1; larger than the eager limit " +
        "and smaller than this, the ring pipeline. 32 KiB: just above the eager limit the read's handshake and page " +
        "pinning cost more than the pipeline's one chunk (np 2 bw 16 KiB: 2.0 against the ring's 5.8 GB/s quiet, 0.5x " +
        "loaded; bibw 0.3x), at 32 KiB the two tie quiet (6.1 and 6.0 GB/s) and the single copy won loaded (bw 2.6x, " +
        "bibw 5.8x), at 64 KiB it wins quiet too (7.1 against 6.2).");

    public static readonly ChoiceParameter<LargeMessagePath> ShmLargePath = new("HPCMSG_SHM_LARGE_PATH", "auto (single_copy when oversubscribed)",
        "how a message of at least HPCMSG_SHM_CMA_BYTES between ranks of a node travels when HPCMSG_SHM_CMA=1. auto: the " +
        "sender streams it through the ring (pipeline, two cores copying at once) unless it had large messages to other ranks " +
        "of the node in flight (a root sending to several, whose receivers can read at once), then one process_vm_readv by the " +
        "receiver; single_copy: always the read; pipeline: always the ring. Unset: auto with a core per rank, single_copy when " +
        "oversubscribed (the pipeline needs both ranks on a core at once). Measured at np 2 with a core each (2026-12-07, " +
        "interleaved): a program's own data, written just before it is sent, is read from the other core's cache, and the " +
        "pipeline took 0.34-0.47x the single copy's time one way and 0.52-0.89x both ways at once (plain program, 256 KiB-" +
        "4 MiB, 0.28-0.80x Open MPI's and MPICH's); osu's untouched buffers: bw 1.4-2.7x the single copy's, but bibw " +
        "0.65-0.71x (far placement).");

    public static readonly IntegerParameter SpinMicros = new("HPCMSG_SPIN_US", 5000, 0, int.MaxValue,
        "microseconds a blocked call polls before it yields its core. With a core per rank 5 ms: a futex wake-up in a VM " +
        "can cost ~1 ms, and nobody else wants the core. Oversubscribed 0: every poll steals the core from the rank being " +
        "waited for, so an idle pass yields at once (Open MPI's yield_when_idle).",
        defaultText: "5000 (0 when oversubscribed)");

    /// <summary>HPCMSG_SPIN_US when the node's ranks outnumber its cores.</summary>
    public const int SpinMicrosOversubscribed = 0;

    public static readonly IntegerParameter Yields = new("HPCMSG_YIELDS", 64, 0, int.MaxValue,
        "sched_yield calls after spinning, before a blocked call sleeps on its futex. Oversubscribed 100000 (tens of " +
        "milliseconds): a futex sleep and wake-up costs 5-20 us against ~1 us for a yield that hands the core to a rank " +
        "with work, and the small collectives of np=4 on 2 cores were 2-4x slower for it.",
        defaultText: "64 (100000 when oversubscribed)");

    /// <summary>HPCMSG_YIELDS when the node's ranks outnumber its cores.</summary>
    public const int YieldsOversubscribed = 100_000;

    public static readonly IntegerParameter SleepMicros = new("HPCMSG_SLEEP_US", 20_000, 100, 1_000_000,
        "longest futex sleep in microseconds. Wake-ups are explicit; this only bounds how late a sleeping rank notices " +
        "that the job is ending.");

    public static readonly SwitchParameter WarmUp = new("HPCMSG_WARMUP", true,
        "1: Init runs each common collective once (a few ms of start-up) so that the program's own first calls run at " +
        "their steady speed instead of paying the runtime's first-call work (type loading, resolving precompiled code, " +
        "compiling generic wrappers: 1-14 ms each with the JIT). Skipped across hosts (it would dial peers the program may never talk to), in Native AOT programs and in jobs of one rank.");

    public static readonly SwitchParameter AsymmetricFence = new("HPCMSG_ASYMMETRIC_FENCE", true,
        "1: a rank about to sleep issues membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) across the node, so that senders " +
        "need no fence after each message (falls back to the fence where the kernel or seccomp refuses); 0: senders fence.");

    // ---- Object messages (ObjectFraming) ----

    public static readonly IntegerParameter MaxObjectBytes = new("HPCMSG_MAX_OBJECT_BYTES", 512L * 1024 * 1024, 1,
        Array.MaxLength - Serialization.ObjectFraming.HeaderBytes,
        "largest object message (bytes of JSON) sent by SendObject or accepted by RecvObject; checked before any buffer " +
        "is rented, so that a wrong or hostile length never causes a huge allocation.");

    // ---- Between hosts ----

    public static readonly IntegerParameter TcpEagerLimit = new("HPCMSG_TCP_EAGER_LIMIT", 64 * 1024, 0, 16 * 1024 * 1024,
        "largest message (bytes) sent over TCP without a handshake; also the most an unexpected message from another " +
        "host can make a rank allocate.");

    public static readonly SwitchParameter NodeRing = new("HPCMSG_NODE_RING", true,
        "1: under a process manager (srun, mpiexec) each node's first rank keeps a TCP connection to the next node's " +
        "(a ring over the nodes, opened at Init), so that a node whose rank dies unseen (killed alone on its node, no " +
        "peer connected to it) ends the job instead of leaving the others waiting; 0: no ring.");

    public static readonly IntegerParameter PmiTimeout = new("HPCMSG_PMI_TIMEOUT", 60, 1, 7 * 24 * 3600,
        "under srun or mpiexec: seconds a rank waits for the process manager's reply to one PMI request, Init's fences " +
        "included, which return only when every rank has entered them. A rank that died or exited before its fence would " +
        "otherwise leave the others waiting until the job's time limit (Slurm ends a step for a dead task only with " +
        "--kill-on-bad-exit): a dead task of the same node is seen at once, one alone on its node only through this bound, " +
        "after which Init fails naming it and ends the job through PMI. 60 s: Init itself takes well under a second; raise " +
        "it when ranks call Init further apart than that.");

    public static readonly TextParameter Network = new("HPCMSG_NETWORK", "auto",
        "the network between nodes: auto (libfabric when a fabric provider offers tagged reliable datagrams, else TCP), " +
        "tcp, or ofi (libfabric; Init fails naming what was tried when no provider works).",
        allowed: ["auto", "tcp", "ofi"]);

    public static readonly TextParameter OfiProvider = new("HPCMSG_OFI_PROVIDER", null,
        "force a libfabric provider (e.g. tcp;ofi_rxm, net, verbs;ofi_rxm, efa); unset, the first that works.",
        defaultText: "none", validValues: "a libfabric provider name");

    public static readonly SwitchParameter OfiMrLocal = new("HPCMSG_OFI_MR_LOCAL", false,
        "1: the libfabric transport registers the buffers it posts (its send and receive slots once, a large message's " +
        "buffer for each message) and passes their descriptors, as it always does for a provider that asks for it " +
        "(FI_MR_LOCAL: verbs;ofi_rxm, efa); 0: only for such a provider. For tests: net and tcp;ofi_rxm do not need it, " +
        "and it costs them a registration per large message.");

    public static readonly TextParameter PmixLibrary = new("HPCMSG_PMIX_LIBRARY", null,
        "the libpmix to load when a PMIx launcher (srun --mpi=pmix, Open MPI's mpirun or prterun) started the job: a file name or path; " +
        "unset, libpmix.so.2, then libpmix.so.",
        defaultText: "none", validValues: "a library name or path");

    // ---- Collectives (CollectiveTuning) ----

    public static readonly ChoiceParameter<BarrierAlgorithm> CollBarrier = new("HPCMSG_COLL_BARRIER", "unset",
        "force the barrier algorithm. Unset: shared_memory (arrival words in the node's segment, gathered by rank 0, which " +
        "releases) on a one-node world, else dissemination (messages). shared_dissemination: dissemination over each rank's " +
        "round count in the segment, the faster barrier at np=2 (0.47 against 0.60 us) but the root no longer leaves first.");

    public static readonly ChoiceParameter<BcastAlgorithm> CollBcast = new("HPCMSG_COLL_BCAST", "unset",
        "force the broadcast algorithm. Unset: linear up to HPCMSG_LINEAR_MAX_RANKS ranks for eager-sized messages, and " +
        "for larger ones on a one-node world using single copies or oversubscribed; else binomial below " +
        "HPCMSG_BCAST_SHORT_BYTES or HPCMSG_BCAST_MIN_RANKS ranks, else scatter_allgather.");

    public static readonly ChoiceParameter<AllreduceAlgorithm> CollAllreduce = new("HPCMSG_COLL_ALLREDUCE", "unset",
        "force the allreduce algorithm. Unset: recursive_doubling below HPCMSG_ALLREDUCE_SHORT_BYTES or for " +
        "non-commutative ops, else rabenseifner.");

    public static readonly ChoiceParameter<ReduceAlgorithm> CollReduce = new("HPCMSG_COLL_REDUCE", "unset",
        "force the reduce algorithm. Unset: binomial below HPCMSG_REDUCE_SHORT_BYTES, for non-commutative ops or up to " +
        "HPCMSG_REDUCE_TREE_MAX_RANKS ranks, else reduce_scatter_gather.");

    public static readonly ChoiceParameter<AllgatherAlgorithm> CollAllgather = new("HPCMSG_COLL_ALLGATHER", "unset",
        "force the allgather algorithm. Unset: direct when oversubscribed (up to HPCMSG_LINEAR_MAX_RANKS ranks, blocks " +
        "up to HPCMSG_ALLGATHER_DIRECT_BYTES), else ring from HPCMSG_ALLGATHER_LONG_BYTES, recursive_doubling for a " +
        "power of two, bruck below HPCMSG_ALLGATHER_SHORT_BYTES, else ring.");

    public static readonly ChoiceParameter<AlltoallAlgorithm> CollAlltoall = new("HPCMSG_COLL_ALLTOALL", "unset",
        "force the alltoall algorithm. Unset: bruck for blocks up to HPCMSG_ALLTOALL_SHORT_BYTES with " +
        "HPCMSG_ALLTOALL_MIN_RANKS ranks or more, posted up to HPCMSG_ALLTOALL_MEDIUM_BYTES (any size when " +
        "oversubscribed, up to HPCMSG_LINEAR_MAX_RANKS ranks), else pairwise.");

    public static readonly ChoiceParameter<GatherScatterAlgorithm> CollGather = new("HPCMSG_COLL_GATHER", "unset",
        "force Gather's and Scatter's algorithm. Unset: linear up to HPCMSG_LINEAR_MAX_RANKS ranks or for blocks from " +
        "HPCMSG_GATHER_LINEAR_BYTES, else binomial.");

    public static readonly IntegerParameter BcastShortBytes = new("HPCMSG_BCAST_SHORT_BYTES", 12 * 1024, 0, long.MaxValue,
        "broadcast: binomial tree below, scatter + allgather at and above (MPICH's 12 KiB).");

    public static readonly IntegerParameter BcastMinRanks = new("HPCMSG_BCAST_MIN_RANKS", 8, 0, int.MaxValue,
        "broadcast: fewer ranks always use the binomial tree (MPICH's 8).");

    public static readonly IntegerParameter AllreduceShortBytes = new("HPCMSG_ALLREDUCE_SHORT_BYTES", 32 * 1024, 0, long.MaxValue,
        "allreduce: recursive doubling below, Rabenseifner at and above. 32 KiB, not MPICH's 2 KiB: recursive doubling " +
        "moves more bytes but takes half the steps, and each step costs a handshake; at 4-16 KiB np=2 1.1-2.2 us against " +
        "1.7-2.7 for Rabenseifner, np=4 on 2 cores 4.2-6.7 us against 7.4-9.5; from 64 KiB Rabenseifner wins at both.");

    public static readonly IntegerParameter ReduceShortBytes = new("HPCMSG_REDUCE_SHORT_BYTES", 2 * 1024, 0, long.MaxValue,
        "reduce: binomial below, reduce-scatter + gather at and above (MPICH's 2 KiB).");

    public static readonly IntegerParameter ReduceTreeMaxRanks = new("HPCMSG_REDUCE_TREE_MAX_RANKS", 4, 0, int.MaxValue,
        "up to this many ranks Reduce always uses the binomial tree, which combines straight from send into the root's " +
        "recv: at np=2, 64 KiB-1 MiB, 0.6-0.8x Open MPI against 1.1-1.3x for reduce-scatter + gather (which moves 1.5x " +
        "the data); reduce-scatter pays where the root's link is the bottleneck, with more ranks.");

    public static readonly IntegerParameter AllgatherLongBytes = new("HPCMSG_ALLGATHER_LONG_BYTES", 512 * 1024, 0, long.MaxValue,
        "allgather: total bytes from which the ring is used (MPICH's 512 KiB).");

    public static readonly IntegerParameter AllgatherShortBytes = new("HPCMSG_ALLGATHER_SHORT_BYTES", 80 * 1024, 0, long.MaxValue,
        "allgather: below, non-power-of-two rank counts use Bruck (MPICH's 80 KiB).");

    public static readonly IntegerParameter AllgatherDirectBytes = new("HPCMSG_ALLGATHER_DIRECT_BYTES", long.MaxValue, 0, long.MaxValue,
        "when the ranks outnumber the cores, allgather blocks up to this size go straight to every rank (up to " +
        "HPCMSG_LINEAR_MAX_RANKS ranks): np=4 on 2 cores, 16 KiB 5.5-5.9 us against 10.1-10.8 for the default " +
        "algorithms and 19-21 for Open MPI, 1 MiB 317-333 against 383-493 and 518-533.",
        defaultText: "any");

    public static readonly IntegerParameter AlltoallShortBytes = new("HPCMSG_ALLTOALL_SHORT_BYTES", 256, 0, long.MaxValue,
        "alltoall: blocks up to this size use Bruck with HPCMSG_ALLTOALL_MIN_RANKS ranks or more (MPICH's 256 B).");

    public static readonly IntegerParameter AlltoallMediumBytes = new("HPCMSG_ALLTOALL_MEDIUM_BYTES", 32 * 1024, 0, long.MaxValue,
        "alltoall: blocks up to this size post every exchange at once, larger ones go pairwise (MPICH's 32 KiB).");

    public static readonly IntegerParameter AlltoallMinRanks = new("HPCMSG_ALLTOALL_MIN_RANKS", 8, 0, int.MaxValue,
        "alltoall: Bruck only from this many ranks (MPICH's 8).");

    public static readonly IntegerParameter GatherLinearBytes = new("HPCMSG_GATHER_LINEAR_BYTES", 16 * 1024, 0, long.MaxValue,
        "blocks from which Gather and Scatter go straight between the root and each rank whatever the rank count. 16 KiB, " +
        "the eager limit: above it each block is a rendezvous anyway, and at np=4 on 2 cores the tree was 2-4x slower than " +
        "Open MPI's linear algorithm from 64 KiB blocks.");

    public static readonly IntegerParameter LinearMaxRanks = new("HPCMSG_LINEAR_MAX_RANKS", 8, 0, int.MaxValue,
        "up to this many ranks Gather and Scatter at every size, and Broadcast of eager-sized messages (any size on a " +
        "one-node world with single copies or oversubscribed), go straight between the root and each rank: the root's " +
        "extra sends cost less than the tree's hops, and no rank waits for a parent that waits for a core (np=4 on 2 " +
        "cores, 4-64 B: tree 0.45 us bcast, 0.50 scatter, 1.9 gather; linear 0.23, 0.23, 1.0).");

    public static readonly IntegerParameter ShmCollBytes = new("HPCMSG_SHM_COLL_BYTES", 0, 0, long.MaxValue,
        "broadcasts and allreduces up to this size (at most the 4096-byte slot) on a one-node world go through the " +
        "segment's slots instead of messages. 0 (off): at np=2 and 4 on 2 cores the slot path (two node barriers) did " +
        "not beat one round of ring messages.");

    // ---- Set by hpcrun for each rank (JobEnvironment) ----

    public static readonly IntegerParameter Rank = new(Names.Rank, 0, 0, int.MaxValue,
        "this process's rank in the world communicator; unset, the process is a job of size 1.", ByLauncher);

    public static readonly IntegerParameter Size = new(Names.Size, 1, 1, int.MaxValue,
        "the number of ranks in the job.", ByLauncher);

    public static readonly TextParameter JobId = new(Names.JobId, null,
        "the job's identifier (names its shared-memory segments); required with HPCMSG_RANK.", ByLauncher,
        defaultText: "single-PID", validValues: "any text");

    public static readonly TextParameter Shm = new(Names.Shm, null,
        "path of this host's shared-memory segment in /dev/shm; required when the host runs more than one rank.", ByLauncher,
        validValues: "a path");

    public static readonly IntegerParameter LauncherPid = new(Names.LauncherPid, 0, 0, int.MaxValue,
        "hpcrun's process id, for ranks it starts itself: a rank whose launcher dies leaves the job.", ByLauncher,
        defaultText: "unset");

    public static readonly SwitchParameter Oversubscribed = new(Names.Oversubscribed, false,
        "1: this host runs more ranks than it has cores (hpcrun --oversubscribe); waits yield the core.", ByLauncher);

    public static readonly IntegerParameter LocalRank = new(Names.LocalRank, 0, 0, int.MaxValue,
        "this rank's index among the ranks of its host.", ByLauncher, defaultText: "the rank on one host, else 0");

    public static readonly IntegerParameter LocalSize = new(Names.LocalSize, 1, 1, int.MaxValue,
        "the number of ranks on this host.", ByLauncher, defaultText: "the size on one host, else 1");

    public static readonly IntegerParameter Node = new(Names.Node, 0, 0, int.MaxValue,
        "this host's index among the job's hosts.", ByLauncher);

    public static readonly IntegerParameter Nodes = new(Names.Nodes, 1, 1, int.MaxValue,
        "the number of hosts in the job.", ByLauncher);

    public static readonly TextParameter Host = new(Names.Host, null,
        "this host's name as the job knows it.", ByLauncher, defaultText: "the machine name", validValues: "a host name");

    public static readonly TextParameter Rendezvous = new(Names.Rendezvous, null,
        "hpcrun's rendezvous (address:port) in a job over several hosts; required with HPCMSG_NODES above 1.", ByLauncher,
        validValues: "address:port");

    public static readonly TextParameter Secret = new(Names.Secret, null,
        "the job's random secret (hex) that every TCP connection must prove it knows; given to ranks hpcrun starts itself, " +
        "never on a command line.", ByLauncher, validValues: "hex")
    { Secret = true };

    public static readonly SwitchParameter SecretStdin = new(Names.SecretStdin, false,
        "1: the secret is the first line of stdin (ranks started through a launch agent).", ByLauncher);

    public static readonly TextParameter Iface = new(Names.Iface, null,
        "the interface or address range (hpcrun --iface) a rank on another host resolves to find its address.", ByLauncher,
        validValues: "a name or CIDR");

    public static readonly TextParameter IfaceAddress = new(Names.IfaceAddress, null,
        "the address to listen on, for ranks hpcrun starts itself.", ByLauncher, validValues: "an IPv4 address");

    public static readonly TextParameter SlurmAgentPlan = new(Names.SlurmAgentPlan, null,
        "inside a Slurm allocation: what hpcrun's node agent (started by its srun --overlap step) runs on each node; " +
        "set for the agents, not for ranks.", ByLauncher, validValues: "hpcrun's encoded plan");

    public static readonly TextParameter SlurmAgentSecret = new(Names.SlurmAgentSecret, null,
        "inside a Slurm allocation: the job's secret for the node agents, carried in the srun step's environment " +
        "(Slurm's authenticated launch message), never on a command line.", ByLauncher, validValues: "hex")
    { Secret = true };

    /// <summary>Every parameter, tunables first, then the launcher's, in the README's order.</summary>
    public static IReadOnlyList<Parameter> All { get; } =
    [
        EagerLimit, ShmCma, ShmCmaBytes, ShmLargePath, SpinMicros, Yields, SleepMicros, WarmUp, AsymmetricFence, MaxObjectBytes, TcpEagerLimit, NodeRing, PmiTimeout, Network, OfiProvider, OfiMrLocal, PmixLibrary,
        CollBarrier, CollBcast, CollAllreduce, CollReduce, CollAllgather, CollAlltoall, CollGather,
        BcastShortBytes, BcastMinRanks, AllreduceShortBytes, ReduceShortBytes, ReduceTreeMaxRanks,
        AllgatherLongBytes, AllgatherShortBytes, AllgatherDirectBytes, AlltoallShortBytes, AlltoallMediumBytes, AlltoallMinRanks,
        GatherLinearBytes, LinearMaxRanks, ShmCollBytes,
        Rank, Size, JobId, Shm, LauncherPid, Oversubscribed, LocalRank, LocalSize, Node, Nodes, Host, Rendezvous,
        Secret, SecretStdin, Iface, IfaceAddress, SlurmAgentPlan, SlurmAgentSecret,
    ];

    /// <summary>The parameter of that name, or null.</summary>
    public static Parameter? Find(string name)
    {
        foreach (Parameter p in All)
            if (p.Name == name) return p;
        return null;
    }
}
