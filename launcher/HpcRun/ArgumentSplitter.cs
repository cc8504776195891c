namespace HpcRun;

/// <summary>hpcrun's options, the program to run, and the arguments that belong to that program.</summary>
internal sealed record SplitArguments(
    IReadOnlyList<string> LauncherArguments,
    string? Target,
    IReadOnlyList<string> AppArguments);

/// <summary>
/// Cuts the command line at the first token that is not an option (the target), as mpirun does.
/// CommandLineParser alone would read the application's own "-v" or "--np" as hpcrun's, so the split
/// happens here, where we know which options consume the next token.
/// </summary>
internal static class ArgumentSplitter
{
    private static readonly HashSet<char> ShortWithValue = ['n', 'x'];
    private static readonly HashSet<string> LongWithValue = ["np", "timeout", "bind-to", "hostfile", "host", "launch-agent", "iface"];

    public static SplitArguments Split(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var launcher = new List<string>();
        int i = 0;
        while (i < args.Count)
        {
            string token = args[i];
            if (token == "--")
            {
                i++;
                break;
            }
            if (!IsOption(token)) break;
            i++;
            if (token == "-h")
            {
                launcher.Add("--help");
            }
            else if (TakesSeparateValue(token))
            {
                if (i == args.Count)
                    throw new LauncherException($"option {token} needs a value", ExitCodes.Usage);
                if (args[i].Length == 0)
                    throw new LauncherException($"option {token} was given an empty value", ExitCodes.Usage);
                launcher.Add(Joined(token, args[i]));
                i++;
            }
            else
            {
                launcher.Add(token);
            }
        }

        if (i >= args.Count) return new SplitArguments(launcher, null, []);
        return new SplitArguments(launcher, args[i], args.Skip(i + 1).ToArray());
    }

    private static bool IsOption(string token) => token.Length > 1 && token[0] == '-';

    private static bool TakesSeparateValue(string token) =>
        token.StartsWith("--", StringComparison.Ordinal)
            ? !token.Contains('=', StringComparison.Ordinal) && LongWithValue.Contains(token[2..])
            : token.Length == 2 && ShortWithValue.Contains(token[1]);

    /// <summary>Glues an option to its value ("--np=4", "-xNAME") so that a value starting with '-'
    /// reaches the parser as a value, not as another option.</summary>
    private static string Joined(string option, string value) =>
        option.StartsWith("--", StringComparison.Ordinal) ? $"{option}={value}" : option + value;
}
