namespace HpcMsg.TestApp.Scenarios;

/// <summary>Every rank sleeps forever: for the launcher's --timeout.</summary>
internal sealed class HangScenario : IScenario
{
    public string Name => "hang";
    public string Arguments => "";

    public Task RunAsync(Communicator world, string[] args)
    {
        Thread.Sleep(Timeout.Infinite);
        return Task.CompletedTask;
    }
}
