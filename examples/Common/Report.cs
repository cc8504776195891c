using System.Diagnostics;
using System.Globalization;

namespace HpcMsg.Examples;

/// <summary>
/// How every example ends: one summary line "&lt;Name&gt; OK: ..." or "&lt;Name&gt; FAILED: ...", then
/// "TIME_S &lt;seconds&gt;" (the slowest rank's time in the timed loop; the scaling tool reads it).
/// The verdict is rank 0's, broadcast so that every rank exits with the same code.
/// </summary>
internal static class Report
{
    public static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>The slowest rank's time: a collective.</summary>
    public static double MaxTime(Communicator comm, Stopwatch clock) => comm.Allreduce(clock.Elapsed.TotalSeconds, Op.Max);

    /// <summary>Collective: rank 0's verdict decides. Returns the exit code (0 when verified).</summary>
    public static int Finish(Communicator comm, string program, bool ok, string details, double seconds)
    {
        int verdict = comm.Broadcast(ok ? 1 : 0, root: 0);
        if (comm.Rank == 0)
        {
            Console.WriteLine(F($"{program} {(verdict == 1 ? "OK" : "FAILED")}: {details}"));
            Console.WriteLine(F($"TIME_S {seconds:F6}"));
            Console.Out.Flush();
        }
        return verdict == 1 ? 0 : 1;
    }
}
