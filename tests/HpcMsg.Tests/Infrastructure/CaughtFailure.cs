namespace HpcMsg.Tests.Infrastructure;

/// <summary>Checks for the peerfail scenario: every surviving rank caught the library's exception
/// in its blocked call and could still print afterwards (its CAUGHT line on stdout).</summary>
public static class CaughtFailure
{
    public static void EverySurvivorCaught(JobResult result, int np, int failing, string exceptionType, string blocking)
    {
        for (int r = 0; r < np; r++)
        {
            if (r == failing) continue;
            string line = $"CAUGHT rank {r}: {exceptionType} from rank {failing} in {blocking}";
            Assert.True(result.Stdout.Split('\n').Any(l => l.Trim() == line), $"expected the line '{line}' on stdout\n{result}");
        }
        Assert.False(result.Stderr.Contains("FAIL peerfail", StringComparison.Ordinal), $"a rank failed its checks\n{result}");
    }
}
