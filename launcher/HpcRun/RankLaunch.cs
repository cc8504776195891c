namespace HpcRun;

/// <summary>How one rank's process is started: directly on this machine, or through the launch agent
/// with the rank's environment on the remote command line and the job's secret on its stdin.</summary>
internal sealed record RankLaunch(
    int Rank,
    string Host,
    string FileName,
    IReadOnlyList<string> Arguments,
    IReadOnlyList<KeyValuePair<string, string?>> Environment,
    string? Agent,
    string? StdinSecret)
{
    /// <summary>Where the rank's environment is set on the other host (the same path on every Linux).</summary>
    public const string EnvProgram = "/usr/bin/env";

    public bool ThroughAgent => Agent is not null;

    public static RankLaunch Local(int rank, string host, LaunchCommand command, IReadOnlyList<KeyValuePair<string, string?>> environment)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new RankLaunch(rank, host, command.FileName, command.Arguments, environment, null, null);
    }

    /// <summary>
    /// <c>&lt;agent for host&gt; /usr/bin/env -u UNSET... NAME=VALUE... &lt;program&gt; &lt;args&gt;</c>. The agent
    /// process's own environment loses the job's variables (an enclosing job's must not leak through an
    /// agent that passes its environment on); the secret goes only to stdin.
    /// </summary>
    public static RankLaunch Remote(int rank, string host, LaunchAgent agent, LaunchCommand command,
        IReadOnlyList<KeyValuePair<string, string?>> environment, string secretHex)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(environment);
        var remote = new List<string> { EnvProgram };
        foreach (var (name, value) in environment)
            if (value is null) remote.AddRange(["-u", name]);
        foreach (var (name, value) in environment)
            if (value is not null) remote.Add($"{name}={value}");
        remote.Add(command.FileName);
        remote.AddRange(command.Arguments);
        IReadOnlyList<string> argv = agent.CommandFor(host, remote);

        var agentEnvironment = environment
            .Where(v => v.Key.StartsWith("HPCMSG_", StringComparison.Ordinal))
            .Select(v => new KeyValuePair<string, string?>(v.Key, null))
            .ToList();
        return new RankLaunch(rank, host, argv[0], [.. argv.Skip(1)], agentEnvironment, agent.Describe(host), secretHex);
    }
}
