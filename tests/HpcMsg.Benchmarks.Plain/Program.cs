// What a user's own program sees, written as a user writes it. Three modes, each with a C twin in
// tests/HpcMsg.Benchmarks.Native (plain_*.c) so that Open MPI and MPICH run the very same loops:
//   latency      osu_latency's loop (100 untimed, 10,000 timed round trips) at 0, 8, 1 KiB and 64 KiB,
//                the sweep three times in one process: pass 1 is what a short job sees, pass 3 the
//                steady state.
//   first-calls  the first, second and steady (mean of 200) time of each collective, slowest rank.
//   init         Init, Barrier, exit: for start-up time measured from outside.
using System.Diagnostics;
using HpcMsg;

string mode = args.Length > 0 ? args[0] : "latency";
using var world = Communicator.Init();
switch (mode)
{
    case "latency": Latency(world); break;
    case "first-calls": FirstCalls(world); break;
    case "init": world.Barrier(); break;
    default: throw new ArgumentException($"unknown mode '{mode}': latency, first-calls or init");
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

static void FirstCalls(Communicator world)
{
    var big = new double[8192];
    var result = new double[8192 * world.Size];
    var one = new double[1];
    Time(world, "barrier", () => world.Barrier());
    Time(world, "bcast-64KiB", () => world.Broadcast<double>(big, 0));
    Time(world, "reduce-64KiB", () => world.Reduce<double>(big, result.AsSpan(0, big.Length), Op.Sum, 0));
    Time(world, "allreduce-8B", () => world.Allreduce<double>(one, result.AsSpan(0, 1), Op.Sum));
    Time(world, "allreduce-64KiB", () => world.Allreduce<double>(big, result.AsSpan(0, big.Length), Op.Sum));
    Time(world, "allgather-8KiB", () => world.Allgather<double>(big.AsSpan(0, 1024), result.AsSpan(0, 1024 * world.Size)));
    Time(world, "alltoall-1KiB", () => world.Alltoall<double>(result.AsSpan(0, 128 * world.Size), big.AsSpan(0, 128 * world.Size)));
}

static void Time(Communicator world, string name, Action call)
{
    world.Barrier();
    long t0 = Stopwatch.GetTimestamp();
    call();
    double first = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    call();
    double second = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    world.Barrier();
    t0 = Stopwatch.GetTimestamp();
    for (int i = 0; i < 200; i++) call();
    double steady = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 200;
    var slowest = new double[3];
    world.Reduce<double>([first, second, steady], slowest, Op.Max, 0);
    if (world.Rank == 0) Console.WriteLine($"first-calls {name}: first {slowest[0]:F1} us second {slowest[1]:F1} us steady {slowest[2]:F2} us");
}
