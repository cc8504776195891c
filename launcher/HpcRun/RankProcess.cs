using System.ComponentModel;
using System.Diagnostics;
using HpcMsg.Internal;

namespace HpcRun;

/// <summary>One rank's process: started with its environment, its output forwarded, stoppable.</summary>
internal sealed class RankProcess : IDisposable
{
    private readonly Process _process;
    private Task _outputDrained = Task.CompletedTask;

    public int Rank { get; }

    private RankProcess(int rank, Process process)
    {
        Rank = rank;
        _process = process;
    }

    public int Pid { get; private set; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Completes once the rank's stdout and stderr have both reached end of file.</summary>
    public Task OutputDrained => _outputDrained;

    /// <summary>
    /// Starts the rank on the calling thread (the library ties PR_SET_PDEATHSIG to the thread that forks,
    /// so the caller must be a thread that lives as long as the job). <paramref name="onExit"/> runs on a
    /// pool thread when the process ends.
    /// </summary>
    public static RankProcess Start(int rank, LaunchCommand command, IEnumerable<KeyValuePair<string, string?>> environment,
        OutputSink sink, bool tagOutput, Action<RankProcess> onExit)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(environment);
        var psi = new ProcessStartInfo(command.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Only rank 0 reads hpcrun's stdin (as in Open MPI); the others get an empty one.
            RedirectStandardInput = rank != 0,
        };
        foreach (string a in command.Arguments) psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment)
        {
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var rp = new RankProcess(rank, process);
        process.Exited += (_, _) => onExit(rp);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new LauncherException($"cannot start rank {rank} ({command.FileName}): {e.Message}");
        }
        rp.Pid = process.Id;
        if (rank != 0) process.StandardInput.Close();
        string? prefix = tagOutput ? $"[{rank}] " : null;
        rp._outputDrained = Task.WhenAll(
            OutputForwarder.Start(process.StandardOutput.BaseStream, sink, toStderr: false, prefix),
            OutputForwarder.Start(process.StandardError.BaseStream, sink, toStderr: true, prefix));
        return rp;
    }

    /// <summary>Asks the rank to end (SIGTERM), letting a .NET rank run its exit handlers.</summary>
    public void Terminate()
    {
        // Checked first so that a pid the kernel may already have reused is left alone.
        if (!_process.HasExited) Native.kill(Pid, Native.SigTerm);
    }

    /// <summary>SIGKILL to the rank and everything it started.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        catch (Win32Exception)
        {
        }
    }

    public bool WaitForExit(TimeSpan timeout) =>
        _process.WaitForExit(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout);

    public void Dispose() => _process.Dispose();
}
