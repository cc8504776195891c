using System.Globalization;
using System.Net.Sockets;

namespace HpcMsg.Bootstrap.Pmi;

/// <summary>
/// How long a rank waits for the process manager's reply to one PMI request, and a way for a watcher
/// to end that wait early. A fence (<c>kvs-fence</c>, <c>barrier_in</c>) returns only when every rank
/// of the job has entered it, and neither Slurm (with <c>KillOnBadExit=0</c>, its default) nor Hydra
/// ends a job because a task died before entering it: without a bound the others would wait until the
/// job's time limit. So every reply is awaited at most <see cref="Timeout"/>
/// (<c>HPCMSG_PMI_TIMEOUT</c>), and a watcher that knows the wait is hopeless (a task of this node is
/// gone, <see cref="LocalTaskWatch"/>) calls <see cref="Stop"/>: the waiting request then fails within
/// <see cref="Slice"/> with the watcher's reason, and Init's failure path ends the job through PMI.
/// </summary>
internal sealed class PmiWait
{
    /// <summary>How often a waiting request looks at <see cref="StopReason"/> and the clock.</summary>
    public static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);

    private string? _stopReason;

    public PmiWait(TimeSpan timeout) => Timeout = timeout;

    /// <summary>From HPCMSG_PMI_TIMEOUT.</summary>
    public static PmiWait FromParameters() => new(TimeSpan.FromSeconds(Configuration.Parameters.PmiTimeout.Read()));

    public TimeSpan Timeout { get; }

    /// <summary>Set by <see cref="Stop"/>: why no reply will come.</summary>
    public string? StopReason => Volatile.Read(ref _stopReason);

    /// <summary>Makes the request now waiting, and every later one, fail with <paramref name="reason"/>.</summary>
    public void Stop(string reason) => Interlocked.CompareExchange(ref _stopReason, reason, null);

    /// <summary>Returns when <paramref name="stream"/> has something to read (or is closed); throws when
    /// the wait was stopped or lasts longer than <see cref="Timeout"/>. A stream that is not a socket's
    /// is read without a bound (the in-memory streams of the wire tests).</summary>
    public void UntilReadable(Stream stream, string waitingFor)
    {
        if (stream is not NetworkStream network) return;
        Socket socket = network.Socket;
        long start = Environment.TickCount64;
        while (true)
        {
            if (StopReason is { } reason) throw new HpcMsgException(reason);
            try
            {
                if (socket.Available > 0 || socket.Poll(Slice, SelectMode.SelectRead)) return;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // the read that follows reports the broken connection
            }
            if (Environment.TickCount64 - start >= (long)Timeout.TotalMilliseconds)
                throw new HpcMsgException(TimedOut(waitingFor, Timeout));
        }
    }

    /// <summary>The message of a reply that did not come in time: what it most likely means (a task
    /// that ended before it joined, alone on its node, since one beside another task is seen at once by
    /// <see cref="LocalTaskWatch"/>) and the fixes: where to look, how to have Slurm end the step at
    /// once next time, and when to raise the timeout instead.</summary>
    public static string TimedOut(string waitingFor, TimeSpan timeout) =>
        $"PMI: {waitingFor} did not come within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s " +
        $"({Configuration.Parameters.PmiTimeout.Name}): most likely a rank of the job died or exited before joining it " +
        $"(one alone on its node: a task beside another is noticed at once), or has not called Communicator.Init, " +
        $"and the process manager waits for it forever. The launcher's output names that task (srun: 'task N: Exited with " +
        $"exit code' or 'Killed'). Under Slurm, srun --kill-on-bad-exit=1 (or SLURM_KILL_BAD_EXIT=1 in srun's environment) " +
        $"ends the step as soon as a task ends badly. If the ranks legitimately reach Init this far " +
        $"apart, raise {Configuration.Parameters.PmiTimeout.Name}";
}
