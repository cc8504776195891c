namespace HpcRun;

/// <summary>An error that ends hpcrun with a one-line message and a chosen exit code, no stack trace.</summary>
internal sealed class LauncherException : Exception
{
    public int ExitCode { get; }

    public LauncherException(string message, int exitCode = ExitCodes.LauncherFailure)
        : base(message) => ExitCode = exitCode;

    public LauncherException()
        : this("hpcrun failed") { }

    public LauncherException(string message, Exception innerException)
        : base(message, innerException) => ExitCode = ExitCodes.LauncherFailure;
}
