using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using HpcMsg.Internal;

namespace HpcRun;

/// <summary>One rank's process (or the launch agent that runs it elsewhere): started with its environment,
/// its output forwarded, stoppable.</summary>
internal sealed class RankProcess : IRankProcess
{
    private readonly Process _process;
    private Task _outputDrained = Task.CompletedTask;

    private RankProcess(RankLaunch launch, Process process)
    {
        Launch = launch;
        _process = process;
    }

    public RankLaunch Launch { get; }

    public int Rank => Launch.Rank;

    public string Host => Launch.Host;

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
    public static RankProcess Start(RankLaunch launch, OutputSink sink, bool tagOutput, Action<RankProcess> onExit)
    {
        ArgumentNullException.ThrowIfNull(launch);
        ArgumentNullException.ThrowIfNull(sink);
        var psi = new ProcessStartInfo(launch.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Only rank 0 reads hpcrun's stdin (as in Open MPI); the others get an empty one. An agent's
            // stdin carries the secret first.
            RedirectStandardInput = launch.Rank != 0 || launch.ThroughAgent,
        };
        foreach (string a in launch.Arguments) psi.ArgumentList.Add(a);
        foreach (var (name, value) in launch.Environment)
        {
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var rp = new RankProcess(launch, process);
        process.Exited += (_, _) => onExit(rp);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new LauncherException(launch.ThroughAgent
                ? $"cannot start rank {launch.Rank} on host {launch.Host} through '{launch.Agent}': {e.Message}"
                : $"cannot start rank {launch.Rank} ({launch.FileName}): {e.Message}");
        }
        rp.Pid = process.Id;
        if (psi.RedirectStandardInput) rp.FeedStandardInput();
        string? prefix = tagOutput ? $"[{launch.Rank}] " : null;
        rp._outputDrained = Task.WhenAll(
            OutputForwarder.Start(process.StandardOutput.BaseStream, sink, toStderr: false, prefix),
            OutputForwarder.Start(process.StandardError.BaseStream, sink, toStderr: true, prefix));
        return rp;
    }

    /// <summary>The secret's line, then hpcrun's own stdin for rank 0 or end of file for the others.</summary>
    private void FeedStandardInput()
    {
        Stream stdin = _process.StandardInput.BaseStream;
        try
        {
            if (Launch.StdinSecret is not null)
            {
                stdin.Write(Encoding.ASCII.GetBytes(Launch.StdinSecret + "\n"));
                stdin.Flush();
            }
        }
        catch (IOException)
        {
            // The agent is already gone; its exit code tells why.
        }
        if (Launch.Rank != 0)
        {
            CloseQuietly(stdin);
            return;
        }
        _ = Task.Run(() =>
        {
            try
            {
                using Stream ours = Console.OpenStandardInput();
                ours.CopyTo(stdin);
            }
            catch (IOException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
            CloseQuietly(stdin);
        });
    }

    private static void CloseQuietly(Stream stream)
    {
        try
        {
            stream.Dispose();
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Asks the rank to end (SIGTERM), letting a .NET rank run its exit handlers. For a rank on
    /// another host this ends its agent; the rank itself then loses its connection to the job.</summary>
    public void Terminate()
    {
        // Checked first so that a pid the kernel may already have reused is left alone.
        if (!_process.HasExited) Native.kill(Pid, Native.SigTerm);
    }

    /// <summary>SIGKILL to the rank (or its agent) and everything it started.</summary>
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
