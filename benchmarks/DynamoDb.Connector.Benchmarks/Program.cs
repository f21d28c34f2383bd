using BenchmarkDotNet.Running;

// Run all benchmarks: dotnet run -c Release --project benchmarks/DynamoDb.Connector.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
