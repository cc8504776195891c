using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using HpcMsg.Benchmarks;

// dotnet run -c Release --project tests/HpcMsg.Benchmarks -- --filter '*Reduction*' --job short
IConfig config = DefaultConfig.Instance.AddColumn(ThroughputColumn.Instance, ThroughputColumn.Best);
BenchmarkSwitcher.FromAssembly(typeof(ThroughputColumn).Assembly).Run(args, config);
