// What a user's own program sees, written as a user writes it. The modes but barrier-cycles have a C twin in
// tests/HpcMsg.Benchmarks.Native (plain_*.c) so that Open MPI and MPICH run the very same loops:
//   latency      osu_latency's loop (100 untimed, 10,000 timed round trips) at 0, 8, 1 KiB and 64 KiB,
//                the sweep three times in one process: pass 1 is what a short job sees, pass 3 the
//                steady state.
//   first-calls  the first, second and steady (mean of 200) time of each collective, slowest rank.
//   first-calls-large  the same for 64 KiB to 4 MiB Broadcast, Reduce, Allreduce, Allgather, Alltoall.
//   init         Init, Barrier, exit: for start-up time measured from outside.
//   large-fresh  ranks 0 and 1 move 256 KiB, 1 MiB and 4 MiB one way (then a 0-byte reply) and both ways
//                at once (SendRecv), each time with the send buffer written just before ("fresh": what a
//                program sends, data it has just computed) and untouched ("static": what osu sends);
//                the write is in every variant's time. 200 timed of 220, mean, slowest rank.
//   barrier-cycles  (HpcMsg only, no C twin) loops of a Barrier and a small collective, timed end to
//                end (20,000 iterations, slowest rank): what a barrier algorithm costs a program,
//                whichever rank it lets go first (osu times each call from each rank's own exit from
//                the barrier). Run it with and without HPCMSG_COLL_BARRIER=shared_dissemination.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using HpcMsg;

string mode = args.Length > 0 ? args[0] : "latency";
using var world = Communicator.Init();
switch (mode)
{
    case "latency": Latency(world); break;
    case "first-calls": FirstCalls(world); break;
    case "first-calls-large": FirstCallsLarge(world); break;
    case "init": world.Barrier(); break;
    case "barrier-cycles": BarrierCycles(world); break;
    case "large-fresh": LargeFresh(world); break;
    default: throw new ArgumentException($"unknown mode '{mode}': latency, first-calls, first-calls-large, init, barrier-cycles or large-fresh");
}

static void LargeFresh(Communicator world)
{
    const int Warm = 20, Timed = 200;
    int rank = world.Rank, peer = rank == 0 ? 1 : 0;
    bool active = rank <= 1;
    foreach (int size in (int[])[256 * 1024, 1024 * 1024, 4 * 1024 * 1024])
    {
        byte[] send = new byte[size], recv = new byte[size];
        foreach (string pattern in (string[])["oneway", "exchange"])
            foreach (bool fresh in (bool[])[true, false])
            {
                world.Barrier();
                long start = 0;
                for (int i = 0; i < Warm + Timed; i++)
                {
                    if (i == Warm) start = Stopwatch.GetTimestamp();
                    if (!active) continue;
                    if (fresh || i == 0) send.AsSpan().Fill((byte)(i + 1));
                    else send[0] = (byte)(i + 1); // the static variant writes one byte, a line the sender owns anyway
                    if (pattern == "exchange") world.SendRecv<byte>(send, peer, 1, recv, peer, 1);
                    else if (rank == 0)
                    {
                        world.Send<byte>(send, 1, 1);
                        world.Recv<byte>(recv.AsSpan(0, 0), 1, 2);
                    }
                    else
                    {
                        world.Recv<byte>(recv, 0, 1);
                        world.Send<byte>(recv.AsSpan(0, 0), 0, 2);
                    }
                }
                double us = world.Allreduce(Stopwatch.GetElapsedTime(start).TotalMicroseconds / Timed, Op.Max);
                if (rank == 0) Console.WriteLine($"large-fresh {pattern}-{(fresh ? "fresh" : "static")}-{size / 1024}KiB: {us:F1} us");
            }
    }
}

static void BarrierCycles(Communicator world)
{
    const int Iterations = 20000;
    byte[] value = new byte[4], gathered = new byte[4 * world.Size];
    double[] operand = [1.0], sum = new double[1];
    foreach (string loop in (string[])["barrier", "barrier+bcast", "barrier+reduce", "barrier+allreduce", "barrier+allgather"])
    {
        long start = 0;
        for (int i = 0; i < 2000 + Iterations; i++)
        {
            if (i == 2000)
            {
                world.Barrier();
                start = Stopwatch.GetTimestamp();
            }
            world.Barrier();
            switch (loop)
            {
                case "barrier+bcast": world.Broadcast<byte>(value, 0); break;
                case "barrier+reduce": world.Reduce<double>(operand, sum, Op.Sum, 0); break;
                case "barrier+allreduce": world.Allreduce<double>(operand, sum, Op.Sum); break;
                case "barrier+allgather": world.Allgather<byte>(value, gathered); break;
            }
        }
        double us = world.Allreduce(Stopwatch.GetElapsedTime(start).TotalMicroseconds / Iterations, Op.Max);
        if (world.Rank == 0) Console.WriteLine($"cycle {loop}: {us:F3} us");
    }
}

static void Latency(Communicator world)
{
    int rank = world.Rank;
    int[] sizes = [0, 8, 1024, 65536];
    for (int pass = 1; pass <= 3; pass++)
    {
        foreach (int size in sizes)
        {
            var buf = new byte[size];
            long start = 0;
            for (int i = 0; i < 100 + 10000; i++)
            {
                if (i == 100)
                {
                    world.Barrier();
                    start = Stopwatch.GetTimestamp();
                }
                if (rank == 0)
                {
                    world.Send<byte>(buf, 1, 1);
                    world.Recv<byte>(buf, 1, 1);
                }
                else if (rank == 1)
                {
                    world.Recv<byte>(buf, 0, 1);
                    world.Send<byte>(buf, 0, 1);
                }
            }
            double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds / 20000.0;
            if (rank == 0) Console.WriteLine($"latency pass {pass} size {size}: {us:F3} us");
        }
    }
}

// Each collective is called directly, as a user's program calls it: no lambda or delegate around
// the call (a lambda is jitted at its first call, inside the timed interval, and measured the
// program's compiler instead of the library). PLAIN_MARKS=1 (diagnostics only) calls an empty
// method, a new instantiation per phase, before and after each first call, so that a JIT log
// (DOTNET_JitStdOutFile, DOTNET_JitDisasmSummary=1) shows which methods were compiled inside it.
static void FirstCalls(Communicator world)
{
    bool marks = Environment.GetEnvironmentVariable("PLAIN_MARKS") == "1";
    var big = new double[8192];
    var result = new double[8192 * world.Size];
    var one = new double[1];
    long t0, faults = 0;
    double first, second, steady;

    world.Barrier();
    faults = marks ? MinorFaults() : 0;
    if (marks) Mark<Start<BarrierCall, B0>>();
    t0 = Stopwatch.GetTimestamp();
    world.Barrier();
    first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    if (marks) faults = MinorFaults() - faults;
    if (marks) Mark<End<BarrierCall, B0>>();
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    world.Barrier();
    second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    for (int i = 0; i < 200; i++) world.Barrier();
    steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 200;
    if (marks) Console.Error.WriteLine($"page faults rank {world.Rank} barrier: first {faults}");
    Report(world, "barrier", first, second, steady);

    world.Barrier();
    faults = marks ? MinorFaults() : 0;
    if (marks) Mark<Start<BcastCall, K64>>();
    t0 = Stopwatch.GetTimestamp();
    world.Broadcast<double>(big, 0);
    first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    if (marks) faults = MinorFaults() - faults;
    if (marks) Mark<End<BcastCall, K64>>();
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    world.Broadcast<double>(big, 0);
    second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    for (int i = 0; i < 200; i++) world.Broadcast<double>(big, 0);
    steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 200;
    if (marks) Console.Error.WriteLine($"page faults rank {world.Rank} bcast-64KiB: first {faults}");
    Report(world, "bcast-64KiB", first, second, steady);

    world.Barrier();
    faults = marks ? MinorFaults() : 0;
    if (marks) Mark<Start<ReduceCall, K64>>();
    t0 = Stopwatch.GetTimestamp();
    world.Reduce<double>(big, result.AsSpan(0, big.Length), Op.Sum, 0);
    first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    if (marks) faults = MinorFaults() - faults;
    if (marks) Mark<End<ReduceCall, K64>>();
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    world.Reduce<double>(big, result.AsSpan(0, big.Length), Op.Sum, 0);
    second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    for (int i = 0; i < 200; i++) world.Reduce<double>(big, result.AsSpan(0, big.Length), Op.Sum, 0);
    steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 200;
    if (marks) Console.Error.WriteLine($"page faults rank {world.Rank} reduce-64KiB: first {faults}");
    Report(world, "reduce-64KiB", first, second, steady);

    world.Barrier();
    faults = marks ? MinorFaults() : 0;
    if (marks) Mark<Start<AllreduceCall, B8>>();
    t0 = Stopwatch.GetTimestamp();
    world.Allreduce<double>(one, result.AsSpan(0, 1), Op.Sum);
    first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    if (marks) faults = MinorFaults() - faults;
    if (marks) Mark<End<AllreduceCall, B8>>();
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    world.Allreduce<double>(one, result.AsSpan(0, 1), Op.Sum);
    second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    for (int i = 0; i < 200; i++) world.Allreduce<double>(one, result.AsSpan(0, 1), Op.Sum);
    steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 200;
    if (marks) Console.Error.WriteLine($"page faults rank {world.Rank} allreduce-8B: first {faults}");
    Report(world, "allreduce-8B", first, second, steady);

    world.Barrier();
    faults = marks ? MinorFaults() : 0;
    if (marks) Mark<Start<AllreduceCall, K64>>();
    t0 = Stopwatch.GetTimestamp();
    world.Allreduce<double>(big, result.AsSpan(0, big.Length), Op.Sum);
    first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    if (marks) faults = MinorFaults() - faults;
    if (marks) Mark<End<AllreduceCall, K64>>();
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    world.Allreduce<double>(big, result.AsSpan(0, big.Length), Op.Sum);
    second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    for (int i = 0; i < 200; i++) world.Allreduce<double>(big, result.AsSpan(0, big.Length), Op.Sum);
    steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 200;
    if (marks) Console.Error.WriteLine($"page faults rank {world.Rank} allreduce-64KiB: first {faults}");
    Report(world, "allreduce-64KiB", first, second, steady);

    world.Barrier();
    faults = marks ? MinorFaults() : 0;
    if (marks) Mark<Start<AllgatherCall, K8>>();
    t0 = Stopwatch.GetTimestamp();
    world.Allgather<double>(big.AsSpan(0, 1024), result.AsSpan(0, 1024 * world.Size));
    first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    if (marks) faults = MinorFaults() - faults;
    if (marks) Mark<End<AllgatherCall, K8>>();
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    world.Allgather<double>(big.AsSpan(0, 1024), result.AsSpan(0, 1024 * world.Size));
    second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    for (int i = 0; i < 200; i++) world.Allgather<double>(big.AsSpan(0, 1024), result.AsSpan(0, 1024 * world.Size));
    steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 200;
    if (marks) Console.Error.WriteLine($"page faults rank {world.Rank} allgather-8KiB: first {faults}");
    Report(world, "allgather-8KiB", first, second, steady);

    world.Barrier();
    faults = marks ? MinorFaults() : 0;
    if (marks) Mark<Start<AlltoallCall, K1>>();
    t0 = Stopwatch.GetTimestamp();
    world.Alltoall<double>(result.AsSpan(0, 128 * world.Size), big.AsSpan(0, 128 * world.Size));
    first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    if (marks) faults = MinorFaults() - faults;
    if (marks) Mark<End<AlltoallCall, K1>>();
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    world.Alltoall<double>(result.AsSpan(0, 128 * world.Size), big.AsSpan(0, 128 * world.Size));
    second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    for (int i = 0; i < 200; i++) world.Alltoall<double>(result.AsSpan(0, 128 * world.Size), big.AsSpan(0, 128 * world.Size));
    steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 200;
    if (marks) Console.Error.WriteLine($"page faults rank {world.Rank} alltoall-1KiB: first {faults}");
    Report(world, "alltoall-1KiB", first, second, steady);
}

// The large-message paths, as osu's suites meet them (sizes ascending, one collective after another),
// each size's first, second and steady (mean of 20) call: Broadcast, Reduce and Allreduce of 64 KiB
// to 4 MiB, Allgather and Alltoall with blocks of 64 KiB to 4 MiB per rank. The buffers are filled
// first, as a program's data would be, so that neither side times first touches of the user's pages.
static void FirstCallsLarge(Communicator world)
{
    bool marks = Environment.GetEnvironmentVariable("PLAIN_MARKS") == "1";
    const int MaxCount = 4 * 1024 * 1024 / sizeof(double);
    int[] counts = [8192, 32768, 131072, MaxCount];
    string[] names = ["64KiB", "256KiB", "1MiB", "4MiB"];
    var send = new double[MaxCount * world.Size];
    var recv = new double[MaxCount * world.Size];
    send.AsSpan().Fill(1.0);
    recv.AsSpan().Fill(2.0);
    long t0;
    double first, second, steady;
    const int Steady = 20;

    for (int s = 0; s < counts.Length; s++)
    {
        int n = counts[s];
        world.Barrier();
        long faults = marks ? MinorFaults() : 0;
        if (marks) MarkAt<BcastCall>(end: false, s);
        t0 = Stopwatch.GetTimestamp();
        world.Broadcast<double>(send.AsSpan(0, n), 0);
        first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        if (marks) faults = MinorFaults() - faults;
        if (marks) MarkAt<BcastCall>(end: true, s);
        world.Barrier();
        long faults2 = marks ? MinorFaults() : 0;
        t0 = Stopwatch.GetTimestamp();
        world.Broadcast<double>(send.AsSpan(0, n), 0);
        second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        if (marks) Console.Error.WriteLine($"page faults rank {world.Rank} bcast-{names[s]}: first {faults} second {MinorFaults() - faults2}");
        world.Barrier();
        t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < Steady; i++) world.Broadcast<double>(send.AsSpan(0, n), 0);
        steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / Steady;
        Report(world, "bcast-" + names[s], first, second, steady);
    }
    for (int s = 0; s < counts.Length; s++)
    {
        int n = counts[s];
        world.Barrier();
        long faults = marks ? MinorFaults() : 0;
        if (marks) MarkAt<ReduceCall>(end: false, s);
        t0 = Stopwatch.GetTimestamp();
        world.Reduce<double>(send.AsSpan(0, n), recv.AsSpan(0, n), Op.Sum, 0);
        first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        if (marks) faults = MinorFaults() - faults;
        if (marks) MarkAt<ReduceCall>(end: true, s);
        world.Barrier();
        long faults2 = marks ? MinorFaults() : 0;
        t0 = Stopwatch.GetTimestamp();
        world.Reduce<double>(send.AsSpan(0, n), recv.AsSpan(0, n), Op.Sum, 0);
        second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        if (marks) Console.Error.WriteLine($"page faults rank {world.Rank} reduce-{names[s]}: first {faults} second {MinorFaults() - faults2}");
        world.Barrier();
        t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < Steady; i++) world.Reduce<double>(send.AsSpan(0, n), recv.AsSpan(0, n), Op.Sum, 0);
        steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / Steady;
        Report(world, "reduce-" + names[s], first, second, steady);
    }
    for (int s = 0; s < counts.Length; s++)
    {
        int n = counts[s];
        world.Barrier();
        long faults = marks ? MinorFaults() : 0;
        if (marks) MarkAt<AllreduceCall>(end: false, s);
        t0 = Stopwatch.GetTimestamp();
        world.Allreduce<double>(send.AsSpan(0, n), recv.AsSpan(0, n), Op.Sum);
        first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        if (marks) faults = MinorFaults() - faults;
        if (marks) MarkAt<AllreduceCall>(end: true, s);
        world.Barrier();
        long faults2 = marks ? MinorFaults() : 0;
        t0 = Stopwatch.GetTimestamp();
        world.Allreduce<double>(send.AsSpan(0, n), recv.AsSpan(0, n), Op.Sum);
        second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        if (marks) Console.Error.WriteLine($"page faults rank {world.Rank} allreduce-{names[s]}: first {faults} second {MinorFaults() - faults2}");
        world.Barrier();
        t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < Steady; i++) world.Allreduce<double>(send.AsSpan(0, n), recv.AsSpan(0, n), Op.Sum);
        steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / Steady;
        Report(world, "allreduce-" + names[s], first, second, steady);
    }
    for (int s = 0; s < counts.Length; s++)
    {
        int n = counts[s];
        world.Barrier();
        long faults = marks ? MinorFaults() : 0;
        if (marks) MarkAt<AllgatherCall>(end: false, s);
        t0 = Stopwatch.GetTimestamp();
        world.Allgather<double>(send.AsSpan(0, n), recv.AsSpan(0, n * world.Size));
        first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        if (marks) faults = MinorFaults() - faults;
        if (marks) MarkAt<AllgatherCall>(end: true, s);
        world.Barrier();
        long faults2 = marks ? MinorFaults() : 0;
        t0 = Stopwatch.GetTimestamp();
        world.Allgather<double>(send.AsSpan(0, n), recv.AsSpan(0, n * world.Size));
        second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        if (marks) Console.Error.WriteLine($"page faults rank {world.Rank} allgather-{names[s]}: first {faults} second {MinorFaults() - faults2}");
        world.Barrier();
        t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < Steady; i++) world.Allgather<double>(send.AsSpan(0, n), recv.AsSpan(0, n * world.Size));
        steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / Steady;
        Report(world, "allgather-" + names[s], first, second, steady);
    }
    for (int s = 0; s < counts.Length; s++)
    {
        int n = counts[s];
        world.Barrier();
        long faults = marks ? MinorFaults() : 0;
        if (marks) MarkAt<AlltoallCall>(end: false, s);
        t0 = Stopwatch.GetTimestamp();
        world.Alltoall<double>(send.AsSpan(0, n * world.Size), recv.AsSpan(0, n * world.Size));
        first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        if (marks) faults = MinorFaults() - faults;
        if (marks) MarkAt<AlltoallCall>(end: true, s);
        world.Barrier();
        long faults2 = marks ? MinorFaults() : 0;
        t0 = Stopwatch.GetTimestamp();
        world.Alltoall<double>(send.AsSpan(0, n * world.Size), recv.AsSpan(0, n * world.Size));
        second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        if (marks) Console.Error.WriteLine($"page faults rank {world.Rank} alltoall-{names[s]}: first {faults} second {MinorFaults() - faults2}");
        world.Barrier();
        t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < Steady; i++) world.Alltoall<double>(send.AsSpan(0, n * world.Size), recv.AsSpan(0, n * world.Size));
        steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / Steady;
        Report(world, "alltoall-" + names[s], first, second, steady);
    }
}

// After the timed calls: the slowest rank's times, printed by rank 0.
static void Report(Communicator world, string name, double first, double second, double steady)
{
    var slowest = new double[3];
    world.Reduce<double>([first, second, steady], slowest, Op.Max, 0);
    if (world.Rank == 0) Console.WriteLine($"first-calls {name}: first {slowest[0]:F1} us second {slowest[1]:F1} us steady {slowest[2]:F2} us");
}

// PLAIN_MARKS=1 only: the process's minor page faults so far (/proc/self/stat, field 10), printed
// for each large first and second call (fresh pages the call touched: a first touch is ~10 us here).
static long MinorFaults()
{
    string stat = File.ReadAllText("/proc/self/stat");
    return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7], System.Globalization.CultureInfo.InvariantCulture);
}

// PLAIN_MARKS=1 only: an empty method compiled once per phase type, a mark in the JIT's log.
[MethodImpl(MethodImplOptions.NoInlining)]
static void Mark<TPhase>() where TPhase : struct { }

static void MarkAt<TCall>(bool end, int size) where TCall : struct
{
    switch (size, end)
    {
        case (0, false): Mark<Start<TCall, K64>>(); break;
        case (1, false): Mark<Start<TCall, K256>>(); break;
        case (2, false): Mark<Start<TCall, M1>>(); break;
        case (3, false): Mark<Start<TCall, M4>>(); break;
        case (0, true): Mark<End<TCall, K64>>(); break;
        case (1, true): Mark<End<TCall, K256>>(); break;
        case (2, true): Mark<End<TCall, M1>>(); break;
        default: Mark<End<TCall, M4>>(); break;
    }
}

struct Start<TCall, TSize> where TCall : struct where TSize : struct { }
struct End<TCall, TSize> where TCall : struct where TSize : struct { }
struct BarrierCall { }
struct BcastCall { }
struct ReduceCall { }
struct AllreduceCall { }
struct AllgatherCall { }
struct AlltoallCall { }
struct B0 { }
struct B8 { }
struct K1 { }
struct K8 { }
struct K64 { }
struct K256 { }
struct M1 { }
struct M4 { }
