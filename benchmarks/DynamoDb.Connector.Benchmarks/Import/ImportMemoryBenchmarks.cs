using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using DynamoDb.Connector.Import;

namespace DynamoDb.Connector.Benchmarks.Import;

/// <summary>
/// The memory bound of issue #4: the import's peak memory must not grow with the input. Imports about 200 MB and about
/// 2 GB of data-pipeline lines (items of about 4 KB, the Formats benchmark items padded, in 8 plain files: 8 splits,
/// 4 workers) into the instant DynamoDB double, with the import's other defaults and an unlimited budget, once each (one
/// process per case, one measured run after one jitting run), and reports the process's peak working set and GC heap
/// (see <see cref="PeakMemory"/>) next to the time. The naive loop (<see cref="NaiveImport"/>) is the baseline.
/// </summary>
[Config(typeof(ImportMemoryBenchmarkConfig))]
public class ImportMemoryBenchmarks
{
    private const int ItemPadding = 3000;

    private ImportDataSet _data = null!;
    private ImportRig _rig = null!;
    private PeakMemory? _peak;

    /// <summary>The input's size in MB (10^6 bytes), about.</summary>
    [Params(200, 2000)]
    public int InputMegabytes { get; set; }

    public static ImportDataSet? DataSetOf(int megabytes) => ImportDataSet.Find(ImportBenchmarkData.FolderOf(DataSetName(megabytes)));

    private static string DataSetName(int megabytes) => $"items-4k-{megabytes}mb-8";

    // The padded line is about 4.1 KB (the 1 KB item's line plus the padding).
    private static long ItemsFor(int megabytes) => megabytes * 1_000_000L / 4_150;

    [GlobalSetup(Target = nameof(NaiveReadLinesAndBatchWrite))]
    public void SetupNaive() => Setup(nameof(NaiveReadLinesAndBatchWrite));

    [GlobalSetup(Target = nameof(ConnectorImportJob))]
    public void SetupImportJob() => Setup(nameof(ConnectorImportJob));

    private void Setup(string method)
    {
        _data = ImportBenchmarkData.Ensure(DataSetName(InputMegabytes), 8, ItemsFor(InputMegabytes), ItemPadding);
        _rig = new ImportRig(TimeSpan.Zero);
        _peak = PeakMemory.Start(ImportBenchmarkNames.Of(nameof(ImportMemoryBenchmarks), method, [InputMegabytes.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _peak?.Dispose();
        _rig.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Naive: ReadLines, JsonDocument, BatchWriteItem(25) one at a time")]
    public long NaiveReadLinesAndBatchWrite() => NaiveImport.Run(_rig.Client, _data.Folder, "bench");

    [Benchmark]
    public async Task<long> ConnectorImportJob()
    {
        var options = ImportBenchmarks.Options(_data.Folder);
        // 4, not the default (one per core, 2 here): each worker adds its reader and a batch being filled, so more is the
        // harder case for the bound (and the committed results ran 4).
        options.Workers = 4;
        var result = await _rig.Job.RunAsync(options);
        return result.ItemsWritten == _data.Items ? result.ItemsWritten : throw new InvalidOperationException($"wrote {result.ItemsWritten} of {_data.Items} items");
    }
}

/// <summary>One launch, no warmup, one measured iteration of one run: the 2 GB case takes a minute or so per run.</summary>
public sealed class ImportMemoryBenchmarkConfig : ManualConfig
{
    public ImportMemoryBenchmarkConfig()
    {
        AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(0).WithIterationCount(1));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new ImportRateColumn("items/s", false, DataSet, perRun: true), new ImportRateColumn("MB/s", true, DataSet, perRun: true));
        AddColumn(PeakMemoryColumn.All(ImportBenchmarkNames.Of));
    }

    private static ImportDataSet? DataSet(BenchmarkCase benchmarkCase) => ImportMemoryBenchmarks.DataSetOf((int)benchmarkCase.Parameters["InputMegabytes"]);
}
