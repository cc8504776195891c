using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using HpcMsg.Benchmarks;

// dotnet run -c Release --project tests/HpcMsg.Benchmarks -- --filter '*Reduction*' --job short
// Other groups: '*Ring*' (shared-memory ring), '*PostedReceive*' '*UnexpectedMessage*' (matching),
// '*ObjectFraming*' (object serialization); results of a run: docs/benchmarks/micro.md.
IConfig config = DefaultConfig.Instance.AddColumn(ThroughputColumn.Instance, ThroughputColumn.Best);
BenchmarkSwitcher.FromAssembly(typeof(ThroughputColumn).Assembly).Run(args, config);
