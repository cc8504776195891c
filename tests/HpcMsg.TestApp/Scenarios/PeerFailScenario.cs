using System.Diagnostics;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// One rank (default: the last) kills itself with SIGKILL or calls Abort(7) while every other rank is
/// blocked on a message from it that never comes: in a blocking Recv, in Wait on an IRecv, or in an
/// await of an IRecv. Each survivor must get the library's exception (RankFailedException naming the
/// dead rank, or JobAbortedException with the aborting rank and code), then print
/// <c>CAUGHT rank R: &lt;exception type&gt; from rank F in &lt;how&gt;</c> on stdout and finalize
/// normally: finalizing a job that is known to be ending must neither hang nor throw.
/// </summary>
internal sealed class PeerFailScenario : IScenario
{
    public const int AbortCode = 7;
    private const int NeverSentTag = 4243;

    public string Name => "peerfail";
    public string Arguments => "<sigkill|abort> <recv|wait|await> [failing rank=last]";

    public async Task RunAsync(Communicator world, string[] args)
    {
        if (args.Length < 2) Check.Fail($"usage: peerfail {Arguments}");
        string failure = args[0], blocking = args[1];
        if (failure is not ("sigkill" or "abort")) Check.Fail($"unknown failure '{failure}'");
        if (blocking is not ("recv" or "wait" or "await")) Check.Fail($"unknown way to block '{blocking}'");
        int failing = ScenarioArgs.Int(args, 2, "failing rank", world.Size - 1);
        if (failing < 0 || failing >= world.Size) Check.Fail($"failing rank {failing} is not in [0, {world.Size - 1}]");

        // Every rank is up and connected before the failure, so that it is noticed by a blocked call.
        world.Barrier();
        if (world.Rank == failing)
        {
            Thread.Sleep(PeerFailure.DelayMs);
            if (failure == "abort") world.Abort(AbortCode);
            else Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        }

        // Twice: a call made after the failure is known must fail too, never hang (an await pump that
        // stopped at the first error would leave the second await waiting forever).
        Exception caught = await BlockOn(world, blocking, failing);
        Expect(caught, failure, blocking, failing);
        Exception again = await BlockOn(world, blocking, failing);
        Expect(again, failure, blocking, failing);
        Console.WriteLine($"CAUGHT rank {world.Rank}: {caught.GetType().Name} from rank {failing} in {blocking}");
        Console.Out.Flush();
    }

    private static async Task<Exception> BlockOn(Communicator world, string blocking, int failing)
    {
        var buffer = new int[1];
        try
        {
            switch (blocking)
            {
                case "recv":
                    world.Recv<int>(buffer, failing, NeverSentTag);
                    break;
                case "wait":
                    world.IRecv<int>(buffer, failing, NeverSentTag).Wait();
                    break;
                default:
                    await world.IRecv<int>(buffer, failing, NeverSentTag);
                    break;
            }
        }
        catch (HpcMsgException e)
        {
            return e;
        }
        Check.Fail($"{blocking} from rank {failing} returned although it never sends");
        return null!;
    }

    private static void Expect(Exception caught, string failure, string blocking, int failing)
    {
        switch (caught)
        {
            case RankFailedException f when failure == "sigkill":
                Check.Equal(failing, f.FailedRank, "RankFailedException.FailedRank");
                break;
            case JobAbortedException a when failure == "abort":
                Check.Equal(failing, a.AbortingRank, "JobAbortedException.AbortingRank");
                Check.Equal(AbortCode, a.ErrorCode, "JobAbortedException.ErrorCode");
                break;
            default:
                Check.Fail($"{blocking} from rank {failing} after {failure}: unexpected {caught.GetType().Name}: {caught.Message}");
                break;
        }
    }
}
