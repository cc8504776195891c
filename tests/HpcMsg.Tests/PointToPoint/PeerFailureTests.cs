using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.PointToPoint;

/// <summary>
/// A rank that dies (exit code, Abort, unhandled exception, SIGKILL) while its peers are blocked in
/// Recv from it ends the whole job quickly: hpcrun exits with that rank's code and names it, and
/// nothing is left behind (JobRunner checks processes and /dev/shm after every job). A job that
/// hangs is ended by --timeout with exit code 124.
/// </summary>
[Collection(JobsCollection.Name)]
public sealed class PeerFailureTests(ITestOutputHelper log)
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(1, null)]
    [InlineData(2, null)]
    [InlineData(4, null)]
    [InlineData(4, 0)] // rank 0 fails while the others wait for it
    [InlineData(8, 5)]
    public void A_rank_exiting_with_a_code_ends_the_job_with_that_code(int np, int? failingRank)
    {
        string[] args = failingRank is int r ? ["3", r.ToString(System.Globalization.CultureInfo.InvariantCulture)] : ["3"];
        JobResult result = JobRunner.Run(new JobSpec(np, "exit", args), log);
        JobAssert.ExitedWith(result, 3);
        JobAssert.StderrNamesFailedRank(result, failingRank ?? np - 1, "3");
        JobAssert.FinishedWithin(result, Quickly);
    }

    /// <summary>Exiting with 0 without finalizing still leaves the peers waiting for a message that
    /// will never come: "a rank that dies never leaves the others hanging" (API.md). MPI launchers
    /// treat it as a failure ("exited without calling finalize").</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void A_rank_exiting_with_0_before_finalize_does_not_leave_the_others_hanging(int np)
    {
        JobResult result = JobRunner.Run(new JobSpec(np, "exit", "0") { LauncherTimeoutSeconds = 25 }, log);
        Assert.True(result.ExitCode is not 0 and not 124, $"expected the job to fail (not succeed, not time out)\n{result}");
        JobAssert.FinishedWithin(result, Quickly);
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(2, 7)]
    [InlineData(4, 7)]
    [InlineData(2, 0)] // API.md: "hpcrun exits with errorCode", 0 included
    [InlineData(4, 0)]
    public void Abort_ends_the_job_with_its_code(int np, int code)
    {
        string text = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        JobResult result = JobRunner.Run(new JobSpec(np, "abort", text) { LauncherTimeoutSeconds = 25 }, log);
        JobAssert.ExitedWith(result, code);
        JobAssert.StderrNamesFailedRank(result, np - 1, text);
        JobAssert.FinishedWithin(result, Quickly);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void An_unhandled_exception_ends_the_job_with_code_1_and_its_text_on_stderr(int np)
    {
        JobResult result = JobRunner.Run(new JobSpec(np, "throw"), log);
        JobAssert.ExitedWith(result, 1);
        JobAssert.StderrHasLineWith(result, "InvalidOperationException", "deliberate failure from the throw scenario");
        JobAssert.StderrNamesFailedRank(result, np - 1, "1");
        JobAssert.FinishedWithin(result, Quickly);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void A_rank_killed_by_SIGKILL_ends_the_job_with_137_naming_the_signal(int np)
    {
        JobResult result = JobRunner.Run(new JobSpec(np, "sigkill"), log);
        JobAssert.ExitedWith(result, 137);
        JobAssert.StderrNamesFailedRank(result, np - 1, "signal", "9");
        JobAssert.FinishedWithin(result, Quickly);
    }

    /// <summary>API.md: "a blocked call throws RankFailedException or JobAbortedException instead of
    /// hanging". The survivors, blocked in Recv, Wait or await on the failing rank, catch it, print,
    /// and finalize; hpcrun gives them a moment to do so before it stops them.</summary>
    [Theory]
    [InlineData("sigkill", "recv", 3, 2)]
    [InlineData("sigkill", "wait", 3, 2)]
    [InlineData("sigkill", "await", 3, 2)]
    [InlineData("abort", "recv", 3, 2)]
    [InlineData("abort", "wait", 3, 2)]
    [InlineData("abort", "await", 3, 2)]
    [InlineData("sigkill", "await", 4, 0)]
    [InlineData("abort", "wait", 2, 0)]
    public void A_blocked_call_on_a_failed_peer_throws_and_the_program_can_still_print(string failure, string blocking, int np, int failing)
    {
        JobResult result = JobRunner.Run(new JobSpec(np, "peerfail", failure, blocking, failing.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            LauncherTimeoutSeconds = 60,
        }, log);
        bool abort = failure == "abort";
        JobAssert.ExitedWith(result, abort ? 7 : 137);
        CaughtFailure.EverySurvivorCaught(result, np, failing, abort ? "JobAbortedException" : "RankFailedException", blocking);
        JobAssert.FinishedWithin(result, Quickly);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void A_hanging_job_is_ended_by_the_timeout_with_124(int np)
    {
        JobResult result = JobRunner.Run(new JobSpec(np, "hang") { LauncherTimeoutSeconds = 3 }, log);
        JobAssert.ExitedWith(result, 124);
        JobAssert.StderrHasLineWith(result, "time");
        JobAssert.FinishedWithin(result, TimeSpan.FromSeconds(3 + 10));
    }
}
