using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Init's first-call warm-up (HPCMSG_WARMUP): whether it ran is what the argument expects (it runs
/// with the JIT and more than one rank unless turned off, never in a Native AOT program), and it left
/// nothing behind: every rank's first messages after Init, received with wildcards, are the program's
/// own, in order, and the first collectives give the right results.
/// </summary>
internal sealed class WarmUpScenario : IScenario
{
    public string Name => "warm-up";
    public string Arguments => "<expected: 0|1>";

    public Task RunAsync(Communicator world, string[] args)
    {
        bool expected = ScenarioArgs.Int(args, 0, "expected") == 1;
        if (Communicator.WarmedUp != expected)
            throw new ScenarioFailedException($"the warm-up {(Communicator.WarmedUp ? "ran" : "did not run")}; expected it {(expected ? "to run" : "not to")}");
        int next = (world.Rank + 1) % world.Size, previous = (world.Rank + world.Size - 1) % world.Size;
        for (int i = 0; i < 3; i++) world.Send<int>(world.Rank * 100 + i, next, 40 + i);
        for (int i = 0; i < 3; i++)
        {
            int value = world.Recv<int>(Communicator.AnySource, Communicator.AnyTag, out Status status);
            if (status.Source != previous || status.Tag != 40 + i || value != previous * 100 + i)
                throw new ScenarioFailedException($"message {i} after Init: {value} from {status.Source} tag {status.Tag}; expected {previous * 100 + i} from {previous} tag {40 + i}");
        }
        double sum = world.Allreduce((double)world.Rank, Op.Sum);
        Check.Equal((double)world.Size * (world.Size - 1) / 2, sum, "first Allreduce after Init");
        long fromRoot = world.Broadcast(world.Rank == 0 ? 12345L : 0L, 0);
        Check.Equal(12345L, fromRoot, "first Broadcast after Init");
        Console.WriteLine($"rank {world.Rank}: warm-up {(Communicator.WarmedUp ? "ran" : "skipped")} as expected; first messages and collectives right");
        return Task.CompletedTask;
    }
}
