using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// Which network library a rank had mapped while it talked to the others: a small and a large (4 MiB)
/// message go round the ring both ways (eager and rendezvous across every pair of neighbouring hosts),
/// an Allreduce sums the ranks, and then each rank prints "rank R libfabric=PATH" (the libfabric its
/// process has mapped, from /proc/self/maps) or "libfabric=none", and "rank R ofi_registrations=N": the
/// memory regions its libfabric endpoint registered (0 unless the provider asks for FI_MR_LOCAL or
/// HPCMSG_OFI_MR_LOCAL=1; then the slots and each large message's buffer).
/// </summary>
internal sealed class FabricScenario : IScenario
{
    public string Name => "fabric";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        int right = PeerPairing.Right(world), left = PeerPairing.Left(world);
        world.Send(9000 + world.Rank, right, 1);
        Check.Equal(9000 + left, world.Recv<int>(left, 1), "ring value");
        var large = new double[512 * 1024];
        for (int i = 0; i < large.Length; i++) large[i] = world.Rank * 1e6 + i;
        var back = new double[large.Length];
        if (world.Rank % 2 == 0)
        {
            world.Send<double>(large, left, 2);
            world.Recv<double>(back, right, 2);
        }
        else
        {
            world.Recv<double>(back, right, 2);
            world.Send<double>(large, left, 2);
        }
        for (int i = 0; i < back.Length; i += 4099) Check.Equal(right * 1e6 + i, back[i], $"large message element {i}");
        long sum = world.Allreduce((long)world.Rank, Op.Sum);
        Check.Equal((long)world.Size * (world.Size - 1) / 2, sum, "sum of the ranks");
        string? mapped = File.ReadLines("/proc/self/maps")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && f[5].Contains("libfabric", StringComparison.Ordinal))
            .Select(f => f[5]).FirstOrDefault();
        Console.WriteLine($"rank {world.Rank} libfabric={mapped ?? "none"}");
        Console.WriteLine($"rank {world.Rank} ofi_registrations={HpcMsg.Transports.Ofi.OfiEndpoint.RegistrationsInProcess}");
        Console.Out.Flush();
        world.Barrier();
        return Task.CompletedTask;
    }
}
