namespace HpcMsg.TestApp;

/// <summary>One self-checking program run by every rank: <c>HpcMsg.TestApp.dll &lt;Name&gt; [args]</c>.
/// A wrong result throws (see <see cref="Support.Check"/>); returning means this rank passed.</summary>
internal interface IScenario
{
    string Name { get; }

    /// <summary>Arguments after the name, e.g. "&lt;code&gt; [rank]".</summary>
    string Arguments { get; }

    Task RunAsync(Communicator world, string[] args);
}
