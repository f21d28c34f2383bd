using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;

namespace DynamoDb.Connector.Benchmarks.Import;

/// <summary>How the benchmark's items are laid out in files.</summary>
public enum InputLayout
{
    /// <summary>Eight files of equal size (one split: together they are under the default 256 MiB split size).</summary>
    EightFiles,
    /// <summary>One file (about 240 MB, under the default 256 MiB split size): one split, one reader.</summary>
    OneFile,
}

/// <summary>
/// Import throughput from local files (data-pipeline lines, 200,000 items of about 1 KB, the Formats benchmark items
/// with unique keys; about 240 MB, in the page cache after the first run, so the disk is not measured) into the instant
/// in-process DynamoDB double, through the real SDK client, with an unlimited budget: everything measured is CPU on
/// the client side. The baseline is the EMR mapper's way (see <see cref="NaiveImport"/>). One operation is one item.
/// </summary>
[Config(typeof(ImportBenchmarkConfig))]
public class ImportBenchmarks
{
    public const int Items = 200_000;
    private const string TableName = "bench";

    private ImportDataSet _data = null!;
    private ImportRig _rig = null!;
    private PeakMemory? _peak;

    [Params(InputLayout.EightFiles, InputLayout.OneFile)]
    public InputLayout Layout { get; set; }

    public static ImportDataSet? DataSetOf(InputLayout layout) => ImportDataSet.Find(ImportBenchmarkData.FolderOf(DataSetName(layout)));

    private static string DataSetName(InputLayout layout) => $"items-1k-{Items}-{(layout == InputLayout.EightFiles ? 8 : 1)}";

    [GlobalSetup(Target = nameof(NaiveReadLinesAndBatchWrite))]
    public void SetupNaive() => Setup(nameof(NaiveReadLinesAndBatchWrite));

    [GlobalSetup(Target = nameof(ConnectorImportJob))]
    public void SetupImportJob()
    {
        Setup(nameof(ConnectorImportJob));
        EnsureReadAsWireBytes(_data.Folder);
    }

    /// <summary>
    /// The job's reader hands the writer items as wire bytes (<see cref="ItemRecord.Encoded"/>), which the writer sends
    /// as they are: a run where it does not would measure another path, so it stops here.
    /// </summary>
    private static void EnsureReadAsWireBytes(string folder)
    {
        string file = Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).First(f => !Path.GetFileName(f).StartsWith('_'));
        var reader = ItemFiles.OpenReader(File.OpenRead(file), ItemFileFormat.DataPipeline);
        try
        {
            var record = reader.ReadAsync().AsTask().GetAwaiter().GetResult();
            if (record?.Encoded is null) throw new InvalidOperationException($"The {ItemFileFormat.DataPipeline} reader did not hand out an encoded record for {file}.");
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private void Setup(string method)
    {
        _data = ImportBenchmarkData.Ensure(DataSetName(Layout), Layout == InputLayout.EightFiles ? 8 : 1, Items, padding: 0);
        _rig = new ImportRig(TimeSpan.Zero);
        _peak = PeakMemory.Start(ImportBenchmarkNames.Of(nameof(ImportBenchmarks), method, [Layout.ToString()]));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _peak?.Dispose();
        _rig.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Items, Description = "Naive: ReadLines, JsonDocument, BatchWriteItem(25) one at a time")]
    public long NaiveReadLinesAndBatchWrite()
    {
        long written = NaiveImport.Run(_rig.Client, _data.Folder, TableName);
        _peak?.CountItems(written);
        return written;
    }

    [Benchmark(OperationsPerInvoke = Items)]
    public async Task<long> ConnectorImportJob()
    {
        var result = await _rig.Job.RunAsync(Options(_data.Folder));
        _peak?.CountItems(result.ItemsWritten);
        return result.ItemsWritten == Items ? result.ItemsWritten : throw new InvalidOperationException($"wrote {result.ItemsWritten} of {Items} items");
    }

    /// <summary>
    /// Defaults, except the budget: far above what the double serves, so nothing waits for it; and the data set holds
    /// each key once, so its files' splits run concurrently as they did before folders were applied in input order.
    /// </summary>
    internal static ImportJobOptions Options(string folder) => new()
    {
        Source = { Source = folder + "/", Format = ItemFileFormat.DataPipeline, KeysUniqueAcrossFiles = true },
        TableName = TableName,
        Writer = { ProgressInterval = TimeSpan.Zero, Throughput = { WriteUnitsPerSecond = 1_000_000_000 } },
    };
}

/// <summary>Short runs (3 warmups, 5 measured iterations, the median), allocations, items/s, MB/s and the peak memory.</summary>
public sealed class ImportBenchmarkConfig : ManualConfig
{
    public ImportBenchmarkConfig()
    {
        AddJob(Job.ShortRun.WithIterationCount(5));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median);
        AddColumn(new ImportRateColumn("items/s", false, DataSet, perRun: false), new ImportRateColumn("MB/s", true, DataSet, perRun: false));
        AddColumn(PeakMemoryColumn.All(ImportBenchmarkNames.Of));
        AddColumn(new CpuPerItemColumn(ImportBenchmarkNames.Of));
    }

    private static ImportDataSet? DataSet(BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) =>
        ImportBenchmarks.DataSetOf((InputLayout)benchmarkCase.Parameters["Layout"]);
}
