using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Where the ranks run: each prints "rank R of S on host H" (H its machine name, which a launcher over
/// several nodes must not get wrong), then the ranks check that they are one job: a value goes round the
/// ring and an Allreduce sums the ranks, so that traffic crosses every pair of neighbouring hosts.
/// </summary>
internal sealed class HostnamesScenario : IScenario
{
    public string Name => "hostnames";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        Console.WriteLine($"rank {world.Rank} of {world.Size} on host {Environment.MachineName}");
        Console.Out.Flush();
        int right = PeerPairing.Right(world), left = PeerPairing.Left(world);
        world.Send(7000 + world.Rank, right, 1);
        Check.Equal(7000 + left, world.Recv<int>(left, 1), "ring value");
        long sum = world.Allreduce((long)world.Rank, Op.Sum);
        Check.Equal((long)world.Size * (world.Size - 1) / 2, sum, "sum of the ranks");
        world.Barrier();
        return Task.CompletedTask;
    }
}
