namespace HpcMsg.TestApp.Support;

/// <summary>A scenario's own check found a wrong result. The message says what, on which rank.</summary>
internal sealed class ScenarioFailedException(string message) : Exception(message);
