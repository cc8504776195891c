using HpcMsg.TestApp;
using HpcMsg.TestApp.Support;

namespace HpcMsg.TestApp;

/// <summary>
/// <c>HpcMsg.TestApp.dll &lt;scenario&gt; [args]</c>: runs one self-checking scenario on every rank.
/// Exit codes: 0 passed (rank 0 prints "OK &lt;scenario&gt;" after finalize), 1 a check failed or the
/// library threw (one "FAIL" line on stderr), 2 unknown scenario. TESTAPP_COMMUNICATOR=dup|split runs
/// the scenario on a Dup of the world or on a Split that reverses its rank order (ScenarioCommunicator);
/// TESTAPP_END_BEFORE_INIT has one rank die before Init (EndBeforeInit).
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || !ScenarioCatalog.TryGet(args[0], out IScenario? scenario))
        {
            Console.Error.WriteLine(ScenarioCatalog.Usage(args.Length == 0 ? null : args[0]));
            return 2;
        }

        EndBeforeInit.IfAsked();
        int rank;
        using (Communicator world = Communicator.Init())
        {
            rank = world.Rank;
            Check.Rank = rank;
            try
            {
                Communicator comm = ScenarioCommunicator.Create(world);
                await scenario.RunAsync(comm, args[1..]);
                if (!ReferenceEquals(comm, world))
                {
                    comm.Barrier();
                    comm.Dispose();
                }
            }
            catch (Exception e)
            {
                // Exit here, before the using's Dispose: finalize is collective and would wait for
                // ranks that are blocked on this one, turning a clear failure into a hang.
                Console.Out.Flush();
                Console.Error.WriteLine($"FAIL {scenario.Name} on rank {rank}: {e}");
                Console.Error.Flush();
                Environment.Exit(1);
            }
        }
        if (rank == 0) Console.WriteLine($"OK {scenario.Name}");
        return 0;
    }
}
