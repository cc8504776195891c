using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using CommandLine;
using CommandLine.Text;
using HpcMsg.Bootstrap;

namespace HpcRun;

/// <summary>What the command line asks for: a launch, a text to print (help, version), or nothing but an error.</summary>
internal abstract record ParseOutcome;

internal sealed record LaunchRequested(LauncherOptions Options) : ParseOutcome;

internal sealed record InfoRequested(string Text) : ParseOutcome;

internal sealed record UsageError(string Message) : ParseOutcome;

/// <summary>
/// Turns argv into a checked <see cref="LauncherOptions"/>. A pure function of its inputs (the slot count
/// and the environment are parameters) so that every rule can be tested without starting a process.
/// </summary>
internal static class LauncherCommandLine
{
    public const string Usage = "usage: hpcrun [options] <app.dll | app project folder | executable> [app arguments]";

    /// <summary>Above this a timer cannot be armed (Task.Delay's limit is 2^32-2 ms).</summary>
    public const double MaxTimeoutSeconds = 4_294_967;

    /// <summary>Set by hpcrun for each rank; forwarding them would only be overwritten or break the job.</summary>
    private static readonly HashSet<string> ReservedVariables =
    [
        JobEnvironment.RankVar, JobEnvironment.SizeVar, JobEnvironment.JobIdVar,
        JobEnvironment.ShmPathVar, JobEnvironment.LauncherPidVar, JobEnvironment.OversubscribedVar,
        .. NodeVariables.All,
    ];

    public static string Version
    {
        get
        {
            string? v = typeof(LauncherCommandLine).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            // The SDK appends "+<commit>"; users want the release number.
            return v is null ? "0.0.0" : v.Split('+')[0];
        }
    }

    /// <param name="readFile">Reads a hostfile (File.ReadAllText unless a test says otherwise).</param>
    // CommandLineParser finds the options by reflection over CommandLineOptions' properties and their
    // attributes, which a trimmed (Native AOT) hpcrun would otherwise have removed.
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(CommandLineOptions))]
    public static ParseOutcome Parse(IReadOnlyList<string> args, int slots, Func<string, string?> getEnvironmentVariable,
        Func<string, string>? readFile = null)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        SplitArguments split;
        try
        {
            split = ArgumentSplitter.Split(args);
        }
        catch (LauncherException e)
        {
            return new UsageError(e.Message);
        }

        using var parser = new Parser(s =>
        {
            s.HelpWriter = null;
            s.CaseSensitive = true;
            // getopt rules: an option's value may start with '-', and a repeated option (-x) accumulates.
            s.GetoptMode = true;
            s.AutoHelp = true;
            s.AutoVersion = true;
            s.ParsingCulture = CultureInfo.InvariantCulture;
        });
        ParserResult<CommandLineOptions> result = parser.ParseArguments<CommandLineOptions>(split.LauncherArguments);
        if (result is NotParsed<CommandLineOptions> notParsed)
        {
            if (notParsed.Errors.Any(e => e.Tag == ErrorType.HelpRequestedError))
                return new InfoRequested(BuildHelp(result));
            if (notParsed.Errors.Any(e => e.Tag == ErrorType.VersionRequestedError))
                return new InfoRequested($"hpcrun {Version}{Environment.NewLine}");
            return new UsageError(Describe(notParsed.Errors.First()));
        }

        try
        {
            // --info runs nothing and needs no rank count or program, but shows what the ranks of a job
            // started with these options would see: -x values and the variables options set for them.
            CommandLineOptions parsed = ((Parsed<CommandLineOptions>)result).Value;
            if (parsed.Info) return new InfoRequested(InfoCommand.Render(getEnvironmentVariable, JobSettings(parsed, slots, getEnvironmentVariable)));
            return new LaunchRequested(Validate(((Parsed<CommandLineOptions>)result).Value, split, slots, getEnvironmentVariable,
                readFile ?? File.ReadAllText));
        }
        catch (LauncherException e)
        {
            return new UsageError(e.Message);
        }
    }

    private static LauncherOptions Validate(CommandLineOptions raw, SplitArguments split, int slots, Func<string, string?> getEnv,
        Func<string, string> readFile)
    {
        double? timeout = raw.Timeout is null ? null : ParseTimeout(raw.Timeout);
        BindMode bind = ParseBindTo(raw.BindTo);
        var forwarded = raw.Export.Select(x => ParseExport(x, getEnv)).ToList();
        LaunchAgent agent = LaunchAgent.Parse(raw.LaunchAgent ?? LaunchAgent.Default);
        if (raw.Iface is not null) InterfaceResolver.Validate(raw.Iface);
        IReadOnlyList<HostSpec>? hosts = ReadHosts(raw, readFile);
        // Inside salloc or an sbatch script, with no host named, the allocation's nodes are the hosts.
        SlurmAllocation? slurm = hosts is null ? SlurmAllocation.FromEnvironment(getEnv) : null;
        if (slurm is not null) hosts = slurm.Hosts;
        int np = raw.Np is not null ? ParseNp(raw.Np)
            : slurm?.DefaultNp ?? throw UsageFailure("the number of ranks is missing: give -n N or --np N");
        if (split.Target is null)
            throw UsageFailure("no program to run: give an app.dll, a project folder or an executable after the options");
        IReadOnlyList<NodePlacement>? placement = null;
        if (hosts is null)
        {
            if (np > slots && !raw.Oversubscribe)
                throw UsageFailure($"{np} ranks requested but this host has only {slots} slots (cores); " +
                            "add --oversubscribe to run more ranks than slots");
        }
        else
        {
            slots = (int)Math.Min(int.MaxValue, hosts.Sum(h => (long)h.Slots));
            string source = slurm is not null ? $"the Slurm allocation, {SlurmAllocation.TasksPerNodeVar}={getEnv(SlurmAllocation.TasksPerNodeVar)}" : raw.Hostfile ?? "--host";
            if (np > slots && !raw.Oversubscribe)
                throw UsageFailure($"{np} ranks requested but the hosts ({source}) have only {slots} slots; " +
                            "add --oversubscribe to run more ranks than slots");
            long capacity = RankPlacement.CapacityOf(hosts);
            if (np > capacity)
                throw UsageFailure($"{np} ranks requested but the hosts ({source}) take at most {capacity} " +
                            "(their max_slots), even with --oversubscribe");
            placement = RankPlacement.Place(hosts, np);
        }
        return new LauncherOptions(np, slots, raw.Oversubscribe, raw.TagOutput, forwarded, timeout, bind,
            split.Target, split.AppArguments, placement, agent, raw.Iface, slurm);
    }

    /// <summary>What the options given with --info change in a rank's environment: the -x variables, in
    /// order (a later one wins, as in the rank's environment), HPCMSG_IFACE from --iface, and for a job on
    /// this host alone (no --host, --hostfile or Slurm allocation) HPCMSG_SIZE from -n and
    /// HPCMSG_OVERSUBSCRIBED when those ranks outnumber the cores (which changes the waiting defaults).</summary>
    private static IReadOnlyList<InfoSetting> JobSettings(CommandLineOptions raw, int slots, Func<string, string?> getEnv)
    {
        var settings = raw.Export.Select(x => ParseExport(x, getEnv))
            .Select(v => new InfoSetting(v.Key, v.Value, InfoCommand.FromExport)).ToList();
        if (raw.Iface is not null)
        {
            InterfaceResolver.Validate(raw.Iface);
            settings.Add(new InfoSetting(JobEnvironment.IfaceVar, raw.Iface, InfoCommand.FromIface));
        }
        if (raw.Np is not null && raw.Host is null && raw.Hostfile is null && string.IsNullOrEmpty(getEnv(SlurmAllocation.JobIdVar)))
        {
            int np = ParseNp(raw.Np);
            settings.Add(new InfoSetting(JobEnvironment.SizeVar, np.ToString(CultureInfo.InvariantCulture), InfoCommand.FromNp));
            if (np > slots)
                settings.Add(new InfoSetting(JobEnvironment.OversubscribedVar, "1", $"{InfoCommand.FromNp} {np} on {slots} cores"));
        }
        return settings;
    }

    private static IReadOnlyList<HostSpec>? ReadHosts(CommandLineOptions raw, Func<string, string> readFile)
    {
        if (raw.Hostfile is not null && raw.Host is not null)
            throw UsageFailure("give --hostfile or --host, not both");
        if (raw.Host is not null) return HostListParser.Parse(raw.Host);
        if (raw.Hostfile is null) return null;
        string text;
        try
        {
            text = readFile(raw.Hostfile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw UsageFailure($"cannot read the hostfile {raw.Hostfile}: {e.Message}");
        }
        return HostfileParser.Parse(raw.Hostfile, text);
    }

    private static int ParseNp(string? text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int np) || np < 1)
            throw UsageFailure($"-n/--np needs a whole number of ranks, at least 1; got '{text}'");
        return np;
    }

    private static double ParseTimeout(string text)
    {
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double s)
            || !(s > 0) || s > MaxTimeoutSeconds)
            throw UsageFailure($"--timeout needs a number of seconds greater than 0 and at most {MaxTimeoutSeconds}; got '{text}'");
        return s;
    }

    private static BindMode ParseBindTo(string? text) => text switch
    {
        null or "none" => BindMode.None,
        "core" => BindMode.Core,
        _ => throw UsageFailure($"--bind-to takes 'none' or 'core'; got '{text}'"),
    };

    private static KeyValuePair<string, string> ParseExport(string text, Func<string, string?> getEnv)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        string name = eq < 0 ? text : text[..eq];
        if (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal))
            throw UsageFailure($"-x takes NAME or NAME=VALUE; got '{text}'");
        if (ReservedVariables.Contains(name))
            throw UsageFailure($"-x {name}: hpcrun sets {name} itself for each rank");
        string? value = eq < 0 ? getEnv(name) : text[(eq + 1)..];
        if (value is null)
            throw UsageFailure($"-x {name}: {name} is not set in hpcrun's environment; give a value with -x {name}=VALUE");
        return new KeyValuePair<string, string>(name, value);
    }

    private static string Describe(Error error) => error switch
    {
        UnknownOptionError u => $"unknown option '{(u.Token.Length == 1 ? "-" : "--")}{u.Token}'",
        MissingRequiredOptionError => "the number of ranks is missing: give -n N or --np N",
        MissingValueOptionError m => $"option {Dashed(m.NameInfo)} needs a value",
        BadFormatTokenError b => $"malformed option '{b.Token}'",
        RepeatedOptionError r => $"option {Dashed(r.NameInfo)} given more than once",
        NamedError n => $"option {Dashed(n.NameInfo)} is invalid ({n.Tag})",
        TokenError t => $"argument '{t.Token}' is invalid ({t.Tag})",
        _ => $"invalid command line ({error.Tag})",
    };

    private static string Dashed(NameInfo name) =>
        name.ShortName.Length > 0 && name.LongName.Length > 0 ? $"-{name.ShortName}/--{name.LongName}"
        : name.LongName.Length > 0 ? $"--{name.LongName}"
        : $"-{name.ShortName}";

    private static string BuildHelp(ParserResult<CommandLineOptions> result)
    {
        var help = HelpText.AutoBuild(result, h =>
        {
            h.Heading = $"hpcrun {Version}: start an HpcMsg job on this host or on several";
            h.Copyright = string.Empty;
            h.AddDashesToOption = true;
            h.AdditionalNewLineAfterOption = false;
            h.AddPreOptionsLine(Usage);
            h.AddPreOptionsLine("Options stop at the program; everything after it goes to the program unchanged.");
            h.AddPostOptionsLine("Exit status: 0 when every rank exits 0; otherwise the first failing rank's code. " +
                                 "2: bad command line. 124: --timeout expired. 128+N: hpcrun got signal N.");
            return h;
        }, e => e, verbsIndex: false, maxDisplayWidth: 100);
        return help.ToString() + Environment.NewLine;
    }

    private static LauncherException UsageFailure(string message) => new(message, ExitCodes.Usage);
}
