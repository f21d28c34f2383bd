using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace DynamoDb.Connector.Benchmarks.Import;

/// <summary>
/// The import under each garbage collector setting: the default (workstation, concurrent) is the baseline, against
/// non-concurrent, server GC, and a 64 MB gen0 budget. With DynamoDB answering after a round
/// trip, every batch in flight is alive at each gen0 collection and gets promoted; with the default's small gen0 budget
/// (about 6 MB here, some 500 items of the import's ~10.8 KB allocated per item) that is one collection per round
/// trip, and the pauses stop every worker at once. 80,000 items of about 1 KB in 8 files (8 splits), the default
/// workers and 32 batches in flight, into the DynamoDB double through the real SDK client. One operation is one item.
/// </summary>
[Config(typeof(ImportGcBenchmarkConfig))]
public class ImportGcBenchmarks
{
    internal static readonly ImportWorkload Workload = new(8, 32);

    private ImportDataSet _data = null!;
    private ImportRig _rig = null!;

    /// <summary>The double's round trip per request in ms: 0 (answers at once), or DynamoDB's for a BatchWriteItem of 25 (about 5-30 ms).</summary>
    [Params(0, 25)]
    public int LatencyMs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = ImportBenchmarkData.Ensure(ImportWorkersBenchmarks.DataSetName(Workload.Files), Workload.Files, ImportWorkersBenchmarks.Items, padding: 0);
        _rig = new ImportRig(TimeSpan.FromMilliseconds(LatencyMs));
    }

    [GlobalCleanup]
    public void Cleanup() => _rig.Dispose();

    [Benchmark(OperationsPerInvoke = ImportWorkersBenchmarks.Items, Description = "import, default workers")]
    public Task<long> Import() => ImportWorkersBenchmarks.ImportInSplitsAsync(_rig, _data, Workload, workers: null);
}

/// <summary>One short-run job per GC setting (the runtime's default the baseline), allocations and items/s; ratios within each latency.</summary>
public sealed class ImportGcBenchmarkConfig : ManualConfig
{
    public ImportGcBenchmarkConfig()
    {
        var run = Job.ShortRun.WithIterationCount(5);
        AddJob(run.WithId("default GC").AsBaseline());
        AddJob(run.WithGcConcurrent(false).WithId("non-concurrent GC"));
        AddJob(run.WithGcServer(true).WithId("server GC"));
        AddJob(run.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_GCgen0size", "0x4000000")).WithId("gen0 budget 64 MB"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median);
        AddColumn(new ImportRateColumn("items/s", false, _ => ImportWorkersBenchmarks.DataSetOf(ImportGcBenchmarks.Workload.Files), perRun: false));
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByParams);
    }
}
