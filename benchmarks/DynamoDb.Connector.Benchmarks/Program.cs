using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// Run all benchmarks: dotnet run -c Release --project benchmarks/DynamoDb.Connector.Benchmarks -- --filter '*'
// The build timeout is raised from BenchmarkDotNet's 2 minutes: on the shared 2-core machine a build can take longer.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(15)));
