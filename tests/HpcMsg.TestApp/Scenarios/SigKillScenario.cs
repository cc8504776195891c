using System.Diagnostics;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>The last rank kills itself with SIGKILL (no cleanup at all) while the others block in Recv
/// from it; with <c>idle</c> the others make no call at all (they sleep), so only a watcher of the
/// library can notice. No rank sends to it first, so nobody holds a connection to it.</summary>
internal sealed class SigKillScenario : IScenario
{
    public string Name => "sigkill";
    public string Arguments => "[idle]";

    public Task RunAsync(Communicator world, string[] args)
    {
        bool idle = args.Length > 0 && args[0] == "idle";
        if (args.Length > 0 && !idle) Check.Fail($"usage: sigkill {Arguments}");
        int last = world.Size - 1;
        if (idle && world.Rank != last)
        {
            Thread.Sleep(Timeout.Infinite); // the library must end this process (the job)
        }
        PeerFailure.Run(world, last, () =>
        {
            Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        });
        return Task.CompletedTask;
    }
}
