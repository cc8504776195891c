using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace HpcMsg;

/// <summary>
/// The first-call warm-up: Init runs each common collective once, at the sizes that pick each usual
/// algorithm, so that a program's own first calls run at their steady speed.
/// <para>
/// Why: with the JIT (every program that is not published Native AOT) a collective's first call
/// costs 1 to 14 ms against ~0.1 ms for Open MPI's first call: the runtime resolves the precompiled
/// library's indirection cells, loads types, runs static constructors and compiles the small generic
/// wrappers for the element type, all inside the first call, on every rank, and the slowest rank sets
/// the time (see docs/benchmarks/startup-and-first-calls.md). Done once in Init, where every rank
/// already waits for every other, it costs start-up a few milliseconds and leaves the program's first
/// calls as fast as its second.
/// </para>
/// <para>
/// What: Barrier; Broadcast, Reduce and Allreduce of one double and of 64 KiB (the short and the long
/// algorithms), Broadcast and Allreduce of 1 MiB (the pipelined forms); the one-value forms for double, int and long;
/// Allgather, Alltoall, Gather, Scatter and Scan with small blocks.
/// Not done: across hosts (every collective there dials peers, and a rank must hold connections only
/// to the peers its program talks to: issue 17's lazy wire-up), in a Native AOT program (nothing to
/// compile or resolve), in a job of one rank, and with HPCMSG_WARMUP=0.
/// </para>
/// </summary>
public sealed partial class Communicator
{
    private const int WarmUpLongElements = 64 * 1024 / sizeof(double);

    /// <summary>Whether Init ran the warm-up in this process (for tests).</summary>
    internal static bool WarmedUp { get; private set; }

    /// <summary>Called by Init on the world communicator, by every rank.</summary>
    private static void WarmUp(Communicator world, bool acrossHosts)
    {
        if (acrossHosts || !RuntimeFeature.IsDynamicCodeCompiled || world.Size == 1 || !Configuration.Parameters.WarmUp.Read()) return;
        var send = new double[WarmUpLongElements];
        var recv = new double[WarmUpLongElements];
        world.Barrier();
        world.Broadcast<double>(send.AsSpan(0, 1), 0);
        world.Broadcast<double>(send, 0);
        world.Reduce<double>(send.AsSpan(0, 1), recv.AsSpan(0, 1), Op.Sum, 0);
        world.Reduce<double>(send, recv, Op.Sum, 0);
        world.Allreduce<double>(send.AsSpan(0, 1), recv.AsSpan(0, 1), Op.Sum);
        world.Allreduce<double>(send, recv, Op.Sum);
        world.Broadcast(0.0, 0);
        world.Broadcast(0, 0);
        world.Broadcast(0L, 0);
        world.Reduce(0.0, Op.Sum, 0);
        world.Reduce(0, Op.Sum, 0);
        world.Reduce(0L, Op.Sum, 0);
        world.Allreduce(0.0, Op.Sum);
        world.Allreduce(0.0, Op.Max);
        world.Allreduce(0, Op.Sum);
        world.Allreduce(0L, Op.Sum);
        // 1 MiB: the pipelined forms; blocks of 8 KiB and 1 KiB per rank for Allgather and Alltoall.
        var large = new double[16 * WarmUpLongElements];
        world.Broadcast<double>(large, 0);
        world.Allreduce<double>(large, large, Op.Sum);
        var blocks = new double[1024 * world.Size];
        world.Allgather<double>(send.AsSpan(0, 1024), blocks);
        var exchanged = new double[128 * world.Size];
        world.Alltoall<double>(blocks.AsSpan(0, 128 * world.Size), exchanged);
        world.Gather<double>(send.AsSpan(0, 1), blocks.AsSpan(0, world.Rank == 0 ? world.Size : 0), 0);
        world.Scatter<double>(blocks.AsSpan(0, world.Rank == 0 ? world.Size : 0), recv.AsSpan(0, 1), 0);
        world.Scan<double>(send.AsSpan(0, 1), recv.AsSpan(0, 1), Op.Sum);
        // The clock a program reads around its calls: Stopwatch is precompiled in the framework, and
        // the entry point of each of its methods is resolved at its first call (13-28 us at load,
        // the only runtime work the runtime's trace showed inside a program's first Barrier).
        _ = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp());
        _ = Stopwatch.StartNew().Elapsed.Ticks;
        world.Barrier();
        WarmedUp = true;
    }
}
