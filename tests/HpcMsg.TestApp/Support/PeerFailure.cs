namespace HpcMsg.TestApp.Support;

/// <summary>The shape of the failure scenarios: one rank fails on purpose while every other rank is
/// blocked in a Recv from it that no message will ever satisfy.</summary>
internal static class PeerFailure
{
    /// <summary>Long enough for the other ranks to be blocked (and asleep) in their Recv.</summary>
    public const int DelayMs = 500;

    public const int NeverSentTag = 4242;

    /// <summary>Runs <paramref name="fail"/> on <paramref name="failingRank"/> after a delay; the
    /// others block. A peer that the library wakes with an exception reports it and exits 1.</summary>
    public static void Run(Communicator world, int failingRank, Action fail)
    {
        if (failingRank < 0 || failingRank >= world.Size)
            Check.Fail($"failing rank {failingRank} is not in [0, {world.Size - 1}]");
        if (world.Rank == failingRank)
        {
            Thread.Sleep(DelayMs);
            fail();
            Check.Fail("the deliberate failure returned");
        }
        try
        {
            world.Recv<int>(failingRank, NeverSentTag);
        }
        catch (HpcMsgException e)
        {
            Console.Error.WriteLine($"rank {world.Rank}: blocked Recv from rank {failingRank} ended: {e.GetType().Name}: {e.Message}");
            Console.Error.Flush();
            Environment.Exit(1);
        }
        Check.Fail($"Recv from rank {failingRank} returned although it never sends");
    }
}
