using System.Diagnostics;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>The last rank kills itself with SIGKILL (no cleanup at all) while the others block in Recv.</summary>
internal sealed class SigKillScenario : IScenario
{
    public string Name => "sigkill";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        PeerFailure.Run(world, world.Size - 1, () =>
        {
            Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        });
        return Task.CompletedTask;
    }
}
