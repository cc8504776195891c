using HpcMsg;
using HpcMsg.Benchmarks.Osu;
using HpcMsg.Benchmarks.Osu.Suite;

// The OSU-style suite on HpcMsg (rules: Suite/SuiteSpec.cs):
//   ./hpcrun -n 2 --bind-to core tests/HpcMsg.Benchmarks.Osu latency,bw,bibw
//   ./hpcrun -n 4 --oversubscribe tests/HpcMsg.Benchmarks.Osu coll --quick
SuiteOptions? options = SuiteOptions.Parse(args, out string? error);
if (options is null)
{
    Console.Error.WriteLine(error);
    return 2;
}
using Communicator world = Communicator.Init();
new OsuSuite<HpcMsgPeer>(new HpcMsgPeer(world), options, Console.Out).Run();
return 0;
