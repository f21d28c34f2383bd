using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using DynamoDb.Connector.Import;

namespace DynamoDb.Connector.Benchmarks.Import;

/// <summary>
/// How many import workers fill an unlimited budget when DynamoDB takes a round trip to answer. Imports 80,000 items of
/// about 1 KB (data-pipeline lines, 92 MB, in the page cache after the first run; always 8 splits) into the DynamoDB
/// double answering every request after <see cref="LatencyMs"/>, through the real SDK client. Each method is a worker
/// count (2 is the default on 2 cores: max(2, cores)); the ratios compare it with 1 worker at the same latency and
/// <see cref="Workload"/>. One operation is one item.
/// </summary>
/// <remarks>
/// Two things bound an import under latency besides the CPU: the batches in flight, shared by the workers (with a round
/// trip of L they cap it at MaxBatchesInFlight x 25 / L items/s whatever the worker count), and the drain at the end of
/// every split and checkpoint (the split's writer completes there: one round trip with nothing in flight for that
/// worker), which other workers can hide. So the workloads: 8 files of 10,000 items (one split each) with the default
/// 32 batches in flight and with 128, and 80 files of 1,000 items (10 to a split: until the files of a split shared one
/// writer, each file's end drained it) with 32. A third bound showed up: garbage collection (see
/// <see cref="ImportGcBenchmarks"/>); it keeps 128 batches in flight far below their cap.
/// </remarks>
[Config(typeof(ImportWorkersBenchmarkConfig))]
public class ImportWorkersBenchmarks
{
    public const int Items = 80_000;
    private const int Splits = 8;

    private ImportDataSet _data = null!;
    private ImportRig _rig = null!;

    /// <summary>The double's round trip per request in ms: 0 (answers at once), or DynamoDB's for a BatchWriteItem of 25 (about 5-30 ms).</summary>
    [Params(0, 10, 25)]
    public int LatencyMs { get; set; }

    /// <summary>How the items are laid out in files, and the writer's batches in flight.</summary>
    [ParamsSource(nameof(Workloads))]
    public ImportWorkload Workload { get; set; } = null!;

    public static IEnumerable<ImportWorkload> Workloads => [new(8, 32), new(8, 128), new(80, 32)];

    public static ImportDataSet? DataSetOf(int files) => ImportDataSet.Find(ImportBenchmarkData.FolderOf(DataSetName(files)));

    internal static string DataSetName(int files) => $"items-1k-{Items}-{files}";

    [GlobalSetup]
    public void Setup()
    {
        _data = ImportBenchmarkData.Ensure(DataSetName(Workload.Files), Workload.Files, Items, padding: 0);
        _rig = new ImportRig(TimeSpan.FromMilliseconds(LatencyMs));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rig.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Items, Description = "1 worker")]
    public Task<long> OneWorker() => ImportAsync(1);

    [Benchmark(OperationsPerInvoke = Items, Description = "2 workers (the default on 2 cores)")]
    public Task<long> TwoWorkers() => ImportAsync(2);

    [Benchmark(OperationsPerInvoke = Items, Description = "4 workers")]
    public Task<long> FourWorkers() => ImportAsync(4);

    [Benchmark(OperationsPerInvoke = Items, Description = "8 workers")]
    public Task<long> EightWorkers() => ImportAsync(8);

    private Task<long> ImportAsync(int workers) => ImportInSplitsAsync(_rig, _data, Workload, workers);

    /// <summary>Imports <paramref name="data"/> (<see cref="Items"/> items in <paramref name="workload"/>'s files) as 8 splits on <paramref name="workers"/> workers (null: the default).</summary>
    internal static async Task<long> ImportInSplitsAsync(ImportRig rig, ImportDataSet data, ImportWorkload workload, int? workers)
    {
        var options = ImportBenchmarks.Options(data.Folder);
        options.Workers = workers;
        options.Writer.MaxBatchesInFlight = workload.MaxBatchesInFlight;
        // 8 splits (the default 256 MiB would group all the files into one, so one worker): the files of a split and a
        // half (the files differ in size by far less than half a file) neither cut a file nor group one more.
        options.Source.TargetSplitBytes = data.Bytes / Splits + data.Bytes / workload.Files / 2;
        var result = await rig.Job.RunAsync(options);
        if (result.SplitsRun != Splits) throw new InvalidOperationException($"ran {result.SplitsRun} splits, not {Splits}");
        return result.ItemsWritten == Items ? result.ItemsWritten : throw new InvalidOperationException($"wrote {result.ItemsWritten} of {Items} items");
    }
}

/// <summary>Items in <paramref name="Files"/> files of equal size, written with up to <paramref name="MaxBatchesInFlight"/> batches in flight.</summary>
public sealed record ImportWorkload(int Files, int MaxBatchesInFlight)
{
    // At most 20 characters: the summary cuts longer parameter values.
    public override string ToString() => $"{Files} files, {MaxBatchesInFlight} batches";
}

/// <summary>Short runs (3 warmups, 5 measured iterations, the median), allocations and items/s; ratios within each latency and batches in flight.</summary>
public sealed class ImportWorkersBenchmarkConfig : ManualConfig
{
    public ImportWorkersBenchmarkConfig()
    {
        AddJob(Job.ShortRun.WithIterationCount(5));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median);
        AddColumn(new ImportRateColumn("items/s", false, DataSet, perRun: false));
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByParams);
    }

    private static ImportDataSet? DataSet(BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) =>
        ImportWorkersBenchmarks.DataSetOf(((ImportWorkload)benchmarkCase.Parameters["Workload"]).Files);
}
