using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>The given rank (default: the last) exits with the given code while the others block in Recv.</summary>
internal sealed class ExitScenario : IScenario
{
    public string Name => "exit";
    public string Arguments => "<code> [rank=last]";

    public Task RunAsync(Communicator world, string[] args)
    {
        int code = ScenarioArgs.Int(args, 0, "code");
        int rank = ScenarioArgs.Int(args, 1, "rank", world.Size - 1);
        PeerFailure.Run(world, rank, () => Environment.Exit(code));
        return Task.CompletedTask;
    }
}
