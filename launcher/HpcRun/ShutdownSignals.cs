using System.Runtime.InteropServices;

namespace HpcRun;

/// <summary>
/// Catches SIGINT, SIGTERM and SIGHUP so that hpcrun, not the runtime's default handler, ends the job:
/// the ranks must be stopped and the shared segment removed before hpcrun goes.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signal;

    public ShutdownSignals()
    {
        InterruptDisposition.RestoreIfIgnored();
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
        ];
    }

    /// <summary>Cancelled when the first signal arrives.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>The Linux number of the first signal received, 0 while none has come.</summary>
    public int SignalNumber => Volatile.Read(ref _signal);

    public int ExitCode => ExitCodes.SignalBase + SignalNumber;

    public string SignalName => ExitStatus.SignalName(SignalNumber) ?? $"signal {SignalNumber}";

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        int number = context.Signal switch
        {
            PosixSignal.SIGHUP => 1,
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGTERM => 15,
            _ => 15,
        };
        if (Interlocked.CompareExchange(ref _signal, number, 0) == 0) _cts.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
