namespace HpcRun;

/// <summary>
/// How hpcrun starts a process on another host (<c>--launch-agent</c>, default <c>ssh</c>): the agent's
/// words with <c>{host}</c> replaced by the host, or with the host appended when there is no
/// <c>{host}</c>, followed by the command to run there.
/// </summary>
internal sealed class LaunchAgent
{
    public const string Default = "ssh";
    private const string HostPlaceholder = "{host}";

    /// <summary>Agents that join the remote command into one line for a shell on the other side, so its
    /// words must be quoted; any other agent (ip netns exec, docker exec, ...) runs the words as they are.</summary>
    private static readonly HashSet<string> ShellAgents = ["ssh", "rsh", "oarsh"];

    private readonly IReadOnlyList<string> _words;
    private readonly bool _hasPlaceholder;

    private LaunchAgent(string text, IReadOnlyList<string> words)
    {
        Text = text;
        _words = words;
        _hasPlaceholder = words.Any(w => w.Contains(HostPlaceholder, StringComparison.Ordinal));
        RunsThroughShell = ShellAgents.Contains(Path.GetFileName(words[0]));
    }

    /// <summary>The agent as the user gave it.</summary>
    public string Text { get; }

    /// <summary>True for ssh and its kind: the remote command is read by a shell.</summary>
    public bool RunsThroughShell { get; }

    public static LaunchAgent Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        IReadOnlyList<string> words;
        try
        {
            words = ShellWords.Split(text);
        }
        catch (FormatException e)
        {
            throw new LauncherException($"--launch-agent '{text}': {e.Message}", ExitCodes.Usage);
        }
        if (words.Count == 0 || words[0].Length == 0)
            throw new LauncherException("--launch-agent needs a command, e.g. 'ssh' or 'ip netns exec {host}'", ExitCodes.Usage);
        return new LaunchAgent(text, words);
    }

    /// <summary>The agent's words for <paramref name="host"/>, to which the remote command is appended.</summary>
    public IReadOnlyList<string> For(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!_hasPlaceholder) return [.. _words, host];
        return [.. _words.Select(w => w.Replace(HostPlaceholder, host, StringComparison.Ordinal))];
    }

    /// <summary>The agent for a host as one would type it, for messages.</summary>
    public string Describe(string host) => string.Join(' ', For(host).Select(ShellWords.Quote));

    /// <summary>The whole command line that runs <paramref name="remoteCommand"/> on <paramref name="host"/>.</summary>
    public IReadOnlyList<string> CommandFor(string host, IEnumerable<string> remoteCommand)
    {
        ArgumentNullException.ThrowIfNull(remoteCommand);
        return [.. For(host), .. RunsThroughShell ? remoteCommand.Select(ShellWords.Quote) : remoteCommand];
    }
}
