using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp.Scenarios;

/// <summary>
/// The last rank throws an InvalidOperationException that nothing catches, while the others block
/// in Recv. It is thrown on a thread of its own so that it is truly unhandled (the test app's own
/// catch in Main would otherwise report it): this exercises the library's unhandled-exception guard.
/// </summary>
internal sealed class ThrowScenario : IScenario
{
    public const string Text = "deliberate failure from the throw scenario";

    public string Name => "throw";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        PeerFailure.Run(world, world.Size - 1, () =>
        {
            var thread = new Thread(() => throw new InvalidOperationException($"{Text} (rank {world.Rank})"));
            thread.Start();
            thread.Join();
        });
        return Task.CompletedTask;
    }
}
