using System.Globalization;
using System.Net;
using System.Text;

namespace HpcRun;

/// <summary>
/// What the node agents of a Slurm step need to start their ranks: the job, hpcrun's rendezvous, the
/// program, the -x variables and every node's block of ranks. hpcrun puts it in the srun step's
/// environment (<see cref="PlanVar"/>), and the job's secret beside it (<see cref="SecretVar"/>): Slurm
/// carries a step's environment to its tasks inside its own authenticated launch message, so the secret
/// is on no command line and no stranger on the network sees it. One text, one line per field, values
/// in base64 where they may hold anything.
/// </summary>
internal sealed record SlurmAgentPlan(
    string JobId,
    IPEndPoint Rendezvous,
    string? Iface,
    bool TagOutput,
    LaunchCommand Command,
    IReadOnlyList<KeyValuePair<string, string>> Forwarded,
    IReadOnlyList<JobNode> Nodes)
{
    public const string PlanVar = HpcMsg.Configuration.Parameters.Names.SlurmAgentPlan;
    public const string SecretVar = HpcMsg.Configuration.Parameters.Names.SlurmAgentSecret;
    private const string Version = "hpcmsg-slurm-agent-plan 1";

    public int Size => Nodes.Sum(n => n.RankCount);

    public static SlurmAgentPlan For(JobPlan plan, LauncherOptions options, LaunchCommand command)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        return new SlurmAgentPlan(plan.JobId, plan.Network!.Rendezvous, options.Iface, options.TagOutput, command,
            options.ForwardedEnvironment, plan.Nodes);
    }

    public string Encode()
    {
        var text = new StringBuilder();
        text.Append(Version).Append('\n');
        text.Append("job ").Append(B64(JobId)).Append('\n');
        text.Append("rendezvous ").Append(Rendezvous).Append('\n');
        if (Iface is not null) text.Append("iface ").Append(B64(Iface)).Append('\n');
        text.Append("tag ").Append(TagOutput ? '1' : '0').Append('\n');
        text.Append("program ").Append(B64(Command.FileName)).Append('\n');
        foreach (string a in Command.Arguments) text.Append("arg ").Append(B64(a)).Append('\n');
        foreach (var (name, value) in Forwarded) text.Append("x ").Append(B64(name)).Append(' ').Append(B64(value)).Append('\n');
        foreach (JobNode n in Nodes)
            text.Append(CultureInfo.InvariantCulture, $"node {n.Index} {B64(n.Host)} {n.FirstRank} {n.RankCount} {(n.Oversubscribed ? 1 : 0)}\n");
        return text.ToString();
    }

    public static SlurmAgentPlan Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || lines[0] != Version)
            throw new FormatException($"{PlanVar} does not start with '{Version}' (hpcrun and its node agent are different versions?)");
        string? job = null, program = null, iface = null;
        IPEndPoint? rendezvous = null;
        bool tag = false;
        var args = new List<string>();
        var forwarded = new List<KeyValuePair<string, string>>();
        var nodes = new List<JobNode>();
        foreach (string line in lines.Skip(1))
        {
            string[] f = line.Split(' ');
            switch (f[0])
            {
                case "job": job = Text(f, 1); break;
                case "rendezvous": rendezvous = IPEndPoint.Parse(f[1]); break;
                case "iface": iface = Text(f, 1); break;
                case "tag": tag = f[1] == "1"; break;
                case "program": program = Text(f, 1); break;
                case "arg": args.Add(Text(f, 1)); break;
                case "x": forwarded.Add(new(Text(f, 1), Text(f, 2))); break;
                case "node":
                    nodes.Add(new JobNode(Int(f, 1), Text(f, 2), false, Int(f, 3), Int(f, 4), f.Length > 5 && f[5] == "1"));
                    break;
                default: throw new FormatException($"{PlanVar}: unknown line '{line}'");
            }
        }
        if (job is null || rendezvous is null || program is null || nodes.Count == 0)
            throw new FormatException($"{PlanVar}: the job, rendezvous, program or nodes are missing");
        return new SlurmAgentPlan(job, rendezvous, iface, tag, new LaunchCommand(program, args), forwarded, nodes);
    }

    /// <summary>The node whose ranks the agent on <paramref name="nodeName"/> starts, or null.</summary>
    public JobNode? NodeNamed(string nodeName) =>
        Nodes.FirstOrDefault(n => string.Equals(n.Host, nodeName, StringComparison.OrdinalIgnoreCase))
        ?? Nodes.FirstOrDefault(n => string.Equals(ShortName(n.Host), ShortName(nodeName), StringComparison.OrdinalIgnoreCase));

    private static string ShortName(string host) => host.Split('.')[0];

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static string Text(string[] f, int i) =>
        i < f.Length ? Encoding.UTF8.GetString(Convert.FromBase64String(f[i])) : throw new FormatException($"{PlanVar}: a field is missing in '{string.Join(' ', f)}'");

    private static int Int(string[] f, int i) =>
        i < f.Length ? int.Parse(f[i], NumberStyles.None, CultureInfo.InvariantCulture) : throw new FormatException($"{PlanVar}: a field is missing in '{string.Join(' ', f)}'");
}
