using CommandLine;

namespace HpcRun;

/// <summary>
/// The raw options as CommandLineParser binds them. Values are kept as text so that
/// <see cref="LauncherCommandLine"/> can say exactly what was wrong with them.
/// </summary>
internal sealed class CommandLineOptions
{
    [Option('n', "np", MetaValue = "N", HelpText = "Number of ranks to start (at least 1). Required, except inside a Slurm allocation (default: SLURM_NTASKS, else its task slots).")]
    public string? Np { get; set; }

    [Option("oversubscribe", HelpText = "Allow more ranks than slots (the cores of this host).")]
    public bool Oversubscribe { get; set; }

    [Option("tag-output", HelpText = "Prefix every line of output, stdout and stderr, with [rank].")]
    public bool TagOutput { get; set; }

    [Option('x', MetaValue = "NAME[=VALUE]", HelpText = "Forward an environment variable to every rank; without =VALUE, hpcrun's own value. Repeatable.")]
    public IEnumerable<string> Export { get; set; } = [];

    [Option("timeout", MetaValue = "SECONDS", HelpText = "Kill the job after this many seconds (exit code 124).")]
    public string? Timeout { get; set; }

    [Option("bind-to", MetaValue = "none|core", HelpText = "core: pin rank i to core i % cores (ranks started on this host). none (default): let the OS place ranks.")]
    public string? BindTo { get; set; }

    [Option("hostfile", MetaValue = "FILE", HelpText = "Hosts to run on, Open MPI syntax: one a line, 'name [slots=N]', # comments. Ranks fill hosts in order.")]
    public string? Hostfile { get; set; }

    [Option("host", MetaValue = "h1:N,h2:N", HelpText = "Hosts to run on, inline; the slot count defaults to 1.")]
    public string? Host { get; set; }

    [Option("launch-agent", MetaValue = "CMD", HelpText = "How ranks are started on other hosts (default: ssh); {host} is replaced by the host, else the host is appended.")]
    public string? LaunchAgent { get; set; }

    [Option("iface", MetaValue = "NAME|CIDR", HelpText = "The interface or address range the job's network traffic uses (default: the first non-loopback IPv4 address).")]
    public string? Iface { get; set; }

    [Option("info", HelpText = "Print every HPCMSG_ parameter with the value a rank of a job started with these options would see (-x, --iface and -n applied) and where it came from, and the transports this machine offers; run nothing.")]
    public bool Info { get; set; }
}
