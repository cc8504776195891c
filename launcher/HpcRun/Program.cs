namespace HpcRun;

internal static class Program
{
    // Synchronous on purpose: ranks must be forked from the main thread, which lives as long as the job.
    public static int Main(string[] args)
    {
        // hpcrun's remote side inside a Slurm allocation: the srun step it starts runs this on every node.
        if (args is [SlurmNodeAgent.Flag]) return SlurmNodeAgent.Run();
        ParseOutcome outcome = LauncherCommandLine.Parse(args, Environment.ProcessorCount, Environment.GetEnvironmentVariable);
        switch (outcome)
        {
            case InfoRequested info:
                Console.Out.Write(info.Text);
                return ExitCodes.Success;
            case UsageError error:
                Console.Error.WriteLine($"hpcrun: {error.Message}");
                Console.Error.WriteLine("Run 'hpcrun --help' for usage.");
                return ExitCodes.Usage;
        }

        LauncherOptions options = ((LaunchRequested)outcome).Options;
        using var signals = new ShutdownSignals();
        using var sink = new OutputSink();
        try
        {
            LaunchCommand command = TargetResolver.Resolve(options.Target, options.AppArguments, signals.Token);
            return new JobRunner(options, command, signals, sink).Run();
        }
        catch (LauncherException e)
        {
            sink.Error($"hpcrun: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
        {
            sink.Error($"hpcrun: received {signals.SignalName}; stopping");
            return signals.ExitCode;
        }
    }
}
