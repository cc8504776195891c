using System.Diagnostics;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// For the test in which strangers connect to a running job: every rank exchanges with its neighbours,
/// then rank 0 creates &lt;dir&gt;/ready and waits (at most 90 s) for &lt;dir&gt;/go, which the test creates
/// once it has connected to the job's ports with a wrong secret and garbage. Then the ranks exchange
/// again, small and 1 MiB messages, and allreduce: the job must be as it was. Args: &lt;dir&gt;.
/// </summary>
internal sealed class StrangerScenario : IScenario
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(90);

    public string Name => "stranger";
    public string Arguments => "<dir>";

    public Task RunAsync(Communicator world, string[] args)
    {
        Check.True(args.Length == 1, "usage: stranger <dir>");
        string dir = args[0];
        Exchange(world, 16, 1);
        world.Barrier();
        if (world.Rank == 0)
        {
            File.WriteAllText(Path.Combine(dir, "ready"), "ready\n");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(dir, "go")))
            {
                Check.True(clock.Elapsed < MaxWait, $"{dir}/go did not appear within {MaxWait.TotalSeconds:F0} s");
                Thread.Sleep(20);
            }
        }
        world.Barrier();
        Exchange(world, 16, 2);
        Exchange(world, 1 << 20, 3);
        long sum = world.Allreduce((long)world.Rank + 1, Op.Sum);
        Check.Equal((long)world.Size * (world.Size + 1) / 2, sum, "allreduce after the strangers");
        return Task.CompletedTask;
    }

    /// <summary>Sends <paramref name="bytes"/> bytes to the right, receives from the left, checks them.</summary>
    private static void Exchange(Communicator world, int bytes, int tag)
    {
        int right = PeerPairing.Right(world), left = PeerPairing.Left(world);
        byte[] send = Pattern(world.Rank, tag, bytes), recv = new byte[bytes];
        Status status = world.SendRecv<byte>(send, right, tag, recv, left, tag);
        Check.Equal(bytes, status.Count, $"exchange {tag}: Status.Count");
        Check.SequenceEqual<byte>(Pattern(left, tag, bytes), recv, $"exchange {tag} from rank {left}");
    }

    private static byte[] Pattern(int rank, int tag, int bytes)
    {
        var data = new byte[bytes];
        for (int i = 0; i < bytes; i++) data[i] = (byte)(rank * 31 + tag * 7 + i);
        return data;
    }
}
