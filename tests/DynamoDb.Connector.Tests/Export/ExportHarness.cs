using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DynamoDb.Connector.Tests.Export;

/// <summary>
/// An export job over <see cref="FakeDynamoDb"/> on a fake clock, writing to a temporary folder.
/// <see cref="RunAsync"/> advances the clock only when every flow of the job waits (for read units or a backoff), so
/// pacing and retries play out in simulated time, deterministically and without sleeping.
/// </summary>
internal sealed class ExportHarness : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("export-");

    public ExportHarness()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Dynamo = new FakeDynamoDb(Time);
        Client = Dynamo.CreateClient();
        Logs = new CollectingLoggerProvider();
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        Metrics = new ConnectorMetrics();
        Job = new ExportJob(Client, Time, [new LocalFileObjectStore()], LoggerFactory, Metrics, new Random(7).NextDouble);
    }

    public FakeTimeProvider Time { get; }

    public FakeDynamoDb Dynamo { get; }

    public AmazonDynamoDBClient Client { get; }

    public CollectingLoggerProvider Logs { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ConnectorMetrics Metrics { get; }

    public ExportJob Job { get; }

    public DateTimeOffset Start => Time.Start;

    public string Destination => _directory.FullName + "/out/";

    /// <summary>A table <c>t</c> keyed by <c>pk:S</c> holding <paramref name="count"/> items of about <paramref name="size"/> bytes.</summary>
    public FakeTable Table(int count, int size = 200)
    {
        var table = Dynamo.AddTable("t", KeySchema.Parse("pk:S"));
        for (int i = 0; i < count; i++)
        {
            var item = Items.Sized($"k{i:D6}", size);
            table.Items[table.KeyOf(item)] = item;
        }
        return table;
    }

    public ExportOptions Options(Action<ExportOptions>? configure = null)
    {
        var options = new ExportOptions { TableName = "t", Destination = Destination };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>Runs <paramref name="work"/>, advancing the clock by <paramref name="step"/> whenever nothing but the clock can make progress.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work, TimeSpan? step = null)
    {
        var advance = step ?? TimeSpan.FromMilliseconds(10);
        var task = Task.Run(work);
        while (!task.IsCompleted)
        {
            var idle = Job.Tracker.WhenIdleAsync();
            // A safety net only: the clock, not this timeout, paces the test.
            var done = await Task.WhenAny(idle, task).WaitAsync(TimeSpan.FromSeconds(60));
            if (done == task) break;
            Time.Advance(advance);
        }
        return await task;
    }

    public Task<ExportResult> ExportAsync(ExportOptions options, IProgress<ExportProgress>? progress = null, TimeSpan? step = null, CancellationToken cancellationToken = default) =>
        RunCountedAsync(() => Job.RunAsync(options, progress, cancellationToken), step);

    /// <summary>
    /// Runs a call of the job (<paramref name="start"/>: an export, a segment's plan, run or finish) as <see cref="RunAsync"/>
    /// runs work, counted for the job until the call counts itself (synchronously, when it is called), so the clock
    /// stands still meanwhile.
    /// </summary>
    public Task<T> RunCountedAsync<T>(Func<Task<T>> start, TimeSpan? step = null)
    {
        Job.Tracker.Enter();
        return RunAsync(async () =>
        {
            Task<T> run;
            try
            {
                run = start();
            }
            finally
            {
                Job.Tracker.Exit();
            }
            return await run;
        }, step);
    }

    /// <summary>A folder for a fanned-out export's plan (its segment documents), deleted with the harness.</summary>
    public string PlanDirectory => Directory.CreateDirectory(Path.Combine(_directory.FullName, "plan")).FullName;

    /// <summary>The items an EMR export's manifest lists, read back.</summary>
    public static Task<List<Dictionary<string, AttributeValue>>> ReadBackAsync(ExportResult result, ItemFileFormat format = ItemFileFormat.DataPipeline) =>
        ReadBackAsync(result.ManifestUri, format);

    /// <summary>The items the EMR manifest at <paramref name="manifestUri"/> lists, read back.</summary>
    public static async Task<List<Dictionary<string, AttributeValue>>> ReadBackAsync(string manifestUri, ItemFileFormat format = ItemFileFormat.DataPipeline)
    {
        ExportManifest manifest;
        await using (var stream = File.OpenRead(manifestUri)) manifest = await ExportManifest.ReadAsync(stream, manifestUri);
        var items = new List<Dictionary<string, AttributeValue>>();
        foreach (var entry in manifest.Entries)
        {
            await using var reader = ItemFiles.OpenReader(File.OpenRead(entry.Url), format);
            while (await reader.ReadAsync() is { } record) items.Add(record.Item);
        }
        return items;
    }

    /// <summary>RCU the fake charged in [from, to) seconds after the start.</summary>
    public double UnitsBetween(double from, double to) => Dynamo.Requests
        .Where(r => r.Operation is "Scan" or "Query" && (r.At - Start).TotalSeconds >= from && (r.At - Start).TotalSeconds < to)
        .Sum(r => r.TableUnits);

    public void Dispose()
    {
        Job.Dispose();
        Metrics.Dispose();
        LoggerFactory.Dispose();
        Client.Dispose();
        Dynamo.Dispose();
        _directory.Delete(recursive: true);
    }
}
