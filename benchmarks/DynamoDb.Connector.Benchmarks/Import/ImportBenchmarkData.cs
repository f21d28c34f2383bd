using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using DynamoDb.Connector.Benchmarks.Formats;
using DynamoDb.Connector.Benchmarks.Writing;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoDb.Connector.Benchmarks.Import;

/// <summary>The import job over local files and the DynamoDB double (behind the real SDK client) answering after <c>latency</c>, with the writer's defaults.</summary>
public sealed class ImportRig : IDisposable
{
    private readonly ConnectorMetrics _metrics = new();
    private readonly DynamoDbWriterFactory _writers;

    public ImportRig(TimeSpan latency)
    {
        Client = DynamoDbDouble.CreateClient(latency);
        _writers = new DynamoDbWriterFactory(Client, new DynamoDbWriterOptions(), TimeProvider.System, NullLoggerFactory.Instance, _metrics, [], Random.Shared.NextDouble);
        Job = new ImportJob(new ImportInputFormat([new LocalFileObjectStore()]), _writers, TimeProvider.System);
    }

    /// <summary>The client of the double, for a baseline that calls DynamoDB itself.</summary>
    public AmazonDynamoDBClient Client { get; }

    public ImportJob Job { get; }

    public void Dispose()
    {
        _writers.Dispose();
        _metrics.Dispose();
        Client.Dispose();
    }
}

/// <summary>What a generated data set holds (kept next to its files as <c>_bench.json</c>, which a listing skips).</summary>
public sealed record ImportDataSet(string Folder, int Files, long Items, long Bytes)
{
    public double BytesPerItem => (double)Bytes / Items;

    /// <summary>The data set's description if it was generated completely, or null.</summary>
    public static ImportDataSet? Find(string folder)
    {
        string marker = Path.Combine(folder, "_bench.json");
        return File.Exists(marker) ? JsonSerializer.Deserialize<ImportDataSet>(File.ReadAllText(marker)) : null;
    }
}

/// <summary>
/// Data sets for the import benchmarks: data-pipeline (EMR export) lines of the Formats benchmark items (about 1 KB),
/// optionally padded to about 4 KB, each with its own partition key. Generated once, streaming, into a folder under the
/// temp directory and reused by later runs (the marker file is written last, so a half-written set is regenerated).
/// </summary>
public static class ImportBenchmarkData
{
    public static string Root => Path.Combine(Path.GetTempPath(), "dynamodb-connector-bench");

    public static string FolderOf(string name) => Path.Combine(Root, name);

    /// <summary>The data set <paramref name="name"/>: <paramref name="items"/> items in <paramref name="files"/> files, padded with <paramref name="padding"/> characters each.</summary>
    public static ImportDataSet Ensure(string name, int files, long items, int padding)
    {
        string folder = FolderOf(name);
        if (ImportDataSet.Find(folder) is { } existing && existing.Items == items && existing.Files == files) return existing;
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        string pad = padding > 0 ? string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", padding / 27 + 1))[..padding] : "";
        long bytes = 0, next = 0;
        for (int f = 0; f < files; f++)
        {
            long count = items / files + (f < items % files ? 1 : 0);
            string path = Path.Combine(folder, $"part-{f:D5}");
            using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var writer = ItemFiles.OpenWriter(stream, ItemFileFormat.DataPipeline, new ItemWriterOptions { LeaveOpen = true });
                for (long line = 1; line <= count; line++, next++)
                {
                    writer.WriteAsync(new ItemRecord(Item(next, pad), line)).AsTask().GetAwaiter().GetResult();
                }
                writer.CompleteAsync().AsTask().GetAwaiter().GetResult();
                writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            bytes += new FileInfo(path).Length;
        }
        var set = new ImportDataSet(folder, files, items, bytes);
        File.WriteAllText(Path.Combine(folder, "_bench.json"), JsonSerializer.Serialize(set));
        return set;
    }

    /// <summary>The data files of a set, in order (the naive loop's reading order).</summary>
    public static string[] DataFiles(string folder) =>
        [.. Directory.GetFiles(folder).Where(f => !Path.GetFileName(f).StartsWith('_')).Order(StringComparer.Ordinal)];

    private static Dictionary<string, AttributeValue> Item(long n, string pad)
    {
        var item = new Dictionary<string, AttributeValue>(LineBenchmarkData.Items[(int)(n % LineBenchmarkData.Lines)])
        {
            ["pk"] = new() { S = $"user#{n:D10}" },
        };
        if (pad.Length > 0) item["payload"] = new() { S = pad };
        return item;
    }
}

/// <summary>
/// The process's peak memory while it runs a benchmark: the peak working set (Linux VmHWM, reset after the setup
/// through /proc/self/clear_refs so the data generation does not count), and the GC heap's peak size and committed
/// memory, sampled every 10 ms. The benchmark process writes them to a file the host's columns read.
/// </summary>
public sealed class PeakMemory : IDisposable
{
    private readonly Thread _sampler;
    private readonly string _file;
    private readonly TimeSpan _cpuAtStart;
    private volatile bool _stop;
    private long _peakHeap, _peakCommitted, _items;

    private PeakMemory(string file)
    {
        _file = file;
        using var process = Process.GetCurrentProcess();
        _cpuAtStart = process.TotalProcessorTime;
        _sampler = new Thread(Sample) { IsBackground = true, Name = "peak-memory" };
    }

    public static string FileOf(string benchmark) => Path.Combine(ImportBenchmarkData.Root, "memory", benchmark + ".json");

    /// <summary>Starts measuring for <paramref name="benchmark"/> (a name the columns find again): call at the end of the global setup.</summary>
    public static PeakMemory Start(string benchmark)
    {
        string file = FileOf(benchmark);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.Delete(file);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM to the current resident size
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or not allowed: the peak then includes the setup.
        }
        var peak = new PeakMemory(file);
        peak._sampler.Start();
        return peak;
    }

    private void Sample()
    {
        while (!_stop)
        {
            _peakHeap = Math.Max(_peakHeap, GC.GetTotalMemory(false));
            _peakCommitted = Math.Max(_peakCommitted, GC.GetGCMemoryInfo().TotalCommittedBytes);
            Thread.Sleep(10);
        }
    }

    /// <summary>Counts items processed since the start (call after each invocation), for the CPU time per item.</summary>
    public void CountItems(long items) => Interlocked.Add(ref _items, items);

    /// <summary>Stops and writes the peaks, and the process's CPU time (every thread, the GC's included) per item counted.</summary>
    public void Dispose()
    {
        _stop = true;
        _sampler.Join();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        double cpuMicrosPerItem = _items == 0 ? 0 : (process.TotalProcessorTime - _cpuAtStart).TotalMicroseconds / _items;
        File.WriteAllText(_file, JsonSerializer.Serialize(new PeakMemoryResult(process.PeakWorkingSet64, _peakHeap, _peakCommitted, cpuMicrosPerItem)));
    }
}

public sealed record PeakMemoryResult(long PeakWorkingSet, long PeakGcHeap, long PeakGcCommitted, double CpuMicrosPerItem = 0);

/// <summary>The CPU time per item over every invocation (pilot and warmup included), all threads, from <see cref="PeakMemory"/>.</summary>
public sealed class CpuPerItemColumn(Func<BenchmarkCase, string> benchmark)
    : CustomColumn(nameof(CpuPerItemColumn), "CPU us/item", "Process CPU time (user + system, every thread, GC included) per item over all invocations, in microseconds", priority: 9)
{
    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        string file = PeakMemory.FileOf(benchmark(benchmarkCase));
        if (!File.Exists(file) || JsonSerializer.Deserialize<PeakMemoryResult>(File.ReadAllText(file)) is not { CpuMicrosPerItem: > 0 } result) return "-";
        return result.CpuMicrosPerItem.ToString("F2", CultureInfo.InvariantCulture);
    }
}

/// <summary>Items per second and input MB/s, from the median time per operation (an operation is one item, or the whole run when <c>PerRun</c>).</summary>
public sealed class ImportRateColumn(string name, bool megabytes, Func<BenchmarkCase, ImportDataSet?> dataSet, bool perRun)
    : CustomColumn(nameof(ImportRateColumn) + name, name,
        megabytes ? "Megabytes (10^6) of input files read and imported per second, from the median time" : "Items imported per second, from the median time",
        megabytes ? 1 : 0)
{
    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        if (summary[benchmarkCase]?.ResultStatistics is not { } statistics || dataSet(benchmarkCase) is not { } set) return "-";
        double seconds = statistics.Median / 1e9 / (perRun ? set.Items : 1); // per item
        return megabytes
            ? (set.BytesPerItem / seconds / 1e6).ToString("F1", CultureInfo.InvariantCulture)
            : (1 / seconds).ToString("N0", CultureInfo.InvariantCulture);
    }
}

/// <summary>A peak the benchmark process recorded with <see cref="PeakMemory"/>, in MB (10^6 bytes).</summary>
public sealed class PeakMemoryColumn(string name, Func<PeakMemoryResult, long> value, Func<BenchmarkCase, string> benchmark)
    : CustomColumn(nameof(PeakMemoryColumn) + name, name, LegendOf(name), priority: 10)
{
    private static string LegendOf(string name) => name switch
    {
        "Peak WS MB" => "The benchmark process's peak working set (resident memory) over its runs, after the setup, in MB (10^6 bytes)",
        "Peak heap MB" => "The GC heap's peak size over the runs (GC.GetTotalMemory sampled every 10 ms), in MB",
        _ => "The GC's peak committed memory over the runs (sampled every 10 ms), in MB",
    };

    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        string file = PeakMemory.FileOf(benchmark(benchmarkCase));
        if (!File.Exists(file) || JsonSerializer.Deserialize<PeakMemoryResult>(File.ReadAllText(file)) is not { } result) return "-";
        return (value(result) / 1e6).ToString("F0", CultureInfo.InvariantCulture);
    }

    /// <summary>The three peak columns for benchmarks named by <paramref name="benchmark"/>.</summary>
    public static IColumn[] All(Func<BenchmarkCase, string> benchmark) =>
    [
        new PeakMemoryColumn("Peak WS MB", r => r.PeakWorkingSet, benchmark),
        new PeakMemoryColumn("Peak heap MB", r => r.PeakGcHeap, benchmark),
        new PeakMemoryColumn("Peak GC committed MB", r => r.PeakGcCommitted, benchmark),
    ];
}

/// <summary>Text helpers shared by the import benchmarks.</summary>
internal static class ImportBenchmarkNames
{
    /// <summary>A file-safe name for a benchmark case: class, method and parameter values.</summary>
    public static string Of(BenchmarkCase benchmarkCase) => Of(
        benchmarkCase.Descriptor.Type.Name,
        benchmarkCase.Descriptor.WorkloadMethod.Name,
        benchmarkCase.Parameters.Items.Select(p => Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? ""));

    public static string Of(string type, string method, IEnumerable<string> parameters)
    {
        var name = new StringBuilder(type).Append('.').Append(method);
        foreach (var p in parameters) name.Append('-').Append(p);
        return name.ToString();
    }
}

/// <summary>
/// The naive import, as the EMR connector's mapper does it: every file in turn, line by line (File.ReadLines), one
/// JsonDocument per line mapped to an item, and a BatchWriteItem of 25 sent synchronously, one at a time, resending
/// what comes back unprocessed.
/// </summary>
internal static class NaiveImport
{
    public static long Run(Amazon.DynamoDBv2.IAmazonDynamoDB client, string folder, string tableName)
    {
        long items = 0;
        var batch = new List<WriteRequest>(25);
        foreach (string file in ImportBenchmarkData.DataFiles(folder))
        {
            foreach (string line in File.ReadLines(file))
            {
                using var document = JsonDocument.Parse(line);
                batch.Add(new WriteRequest { PutRequest = new PutRequest { Item = LineParsingBenchmarks.ElementToItem(document.RootElement) } });
                items++;
                if (batch.Count == 25)
                {
                    Send(client, tableName, batch);
                    batch = new List<WriteRequest>(25);
                }
            }
        }
        if (batch.Count > 0) Send(client, tableName, batch);
        return items;
    }

    private static void Send(Amazon.DynamoDBv2.IAmazonDynamoDB client, string tableName, List<WriteRequest> batch)
    {
        var request = new BatchWriteItemRequest { RequestItems = new() { [tableName] = batch } };
        while (true)
        {
            var response = client.BatchWriteItemAsync(request).GetAwaiter().GetResult();
            if (response.UnprocessedItems is not { Count: > 0 } unprocessed) return;
            request = new BatchWriteItemRequest { RequestItems = unprocessed };
        }
    }
}
