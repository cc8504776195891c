using System.Diagnostics;
using System.Globalization;

namespace HpcMsg.TestApp.Support;

/// <summary>
/// <c>TESTAPP_END_BEFORE_INIT=RANK[:MS[:HOW]]</c>: the task of that rank (PMI_RANK under srun or
/// mpiexec, HPCMSG_RANK under hpcrun: the rank it would get) ends before it calls
/// <c>Communicator.Init</c>, after MS milliseconds (0: at once), while the others wait in Init for it.
/// HOW is <c>kill</c> (SIGKILL, the default: a crash or the OOM killer) or <c>exit</c> (exit code 3
/// without a word: a program that returns early on one rank).
/// </summary>
internal static class EndBeforeInit
{
    public const string Variable = "TESTAPP_END_BEFORE_INIT";

    public static void IfAsked()
    {
        string? spec = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(spec)) return;
        string[] parts = spec.Split(':');
        string? rankText = Environment.GetEnvironmentVariable("PMI_RANK") ?? Environment.GetEnvironmentVariable("HPCMSG_RANK");
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int victim)
            || (parts.Length > 1 && !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            || (parts.Length > 2 && parts[2] is not ("kill" or "exit")))
        {
            Console.Error.WriteLine($"FAIL: {Variable}='{spec}' is not RANK[:MS[:kill|exit]]");
            Environment.Exit(2);
        }
        if (rankText != victim.ToString(CultureInfo.InvariantCulture)) return;
        int delay = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
        if (delay > 0) Thread.Sleep(delay);
        Console.Error.WriteLine($"rank {victim}: ending before Init ({(parts.Length > 2 ? parts[2] : "kill")})");
        Console.Error.Flush();
        if (parts.Length > 2 && parts[2] == "exit") Environment.Exit(3);
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }
}
