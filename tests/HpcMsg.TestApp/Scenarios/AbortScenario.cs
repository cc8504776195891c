using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>The last rank calls Abort(code) while the others block in Recv.</summary>
internal sealed class AbortScenario : IScenario
{
    public string Name => "abort";
    public string Arguments => "<code>";

    public Task RunAsync(Communicator world, string[] args)
    {
        int code = ScenarioArgs.Int(args, 0, "code");
        PeerFailure.Run(world, world.Size - 1, () => world.Abort(code));
        return Task.CompletedTask;
    }
}
