using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DynamoDb.Connector.Tests.Infrastructure;

/// <summary>
/// A writer factory over <see cref="FakeDynamoDb"/> on a fake clock. <see cref="RunAsync{T}"/> runs the code under
/// test and advances the clock only when every flow waits (for permits, a backoff, or another batch), so pacing and
/// retries play out in simulated time, deterministically and without sleeping.
/// </summary>
internal sealed class WriterHarness : IDisposable
{
    public WriterHarness(DynamoDbWriterOptions? defaults = null, Func<double>? random = null, IEnumerable<DynamoDb.Connector.Storage.IObjectStore>? stores = null, bool sdkRetries = false)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Dynamo = new FakeDynamoDb(Time);
        Client = Dynamo.CreateClient(sdkRetries);
        Logs = new CollectingLoggerProvider();
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        Metrics = new ConnectorMetrics();
        Factory = new DynamoDbWriterFactory(Client, defaults ?? new DynamoDbWriterOptions(), Time, LoggerFactory, Metrics, stores ?? [], random ?? new Random(42).NextDouble);
    }

    public FakeTimeProvider Time { get; }

    public FakeDynamoDb Dynamo { get; }

    public AmazonDynamoDBClient Client { get; }

    public CollectingLoggerProvider Logs { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ConnectorMetrics Metrics { get; }

    public DynamoDbWriterFactory Factory { get; }

    public DateTimeOffset Start => Time.Start;

    /// <summary>A table keyed by <c>pk:S</c> with 1,000 WCU provisioned.</summary>
    public FakeTable Table(string name = "items", string keys = "pk:S") => Dynamo.AddTable(name, KeySchema.Parse(keys));

    /// <summary>Runs <paramref name="work"/>, advancing the clock by <paramref name="step"/> whenever nothing but the clock can make progress.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work, TimeSpan? step = null, TimeSpan? until = null)
    {
        var advance = step ?? TimeSpan.FromMilliseconds(10);
        var task = Task.Run(work);
        while (!task.IsCompleted)
        {
            var idle = Factory.Tracker.WhenIdleAsync();
            // A safety net only: the clock, not this timeout, paces the test.
            var done = await Task.WhenAny(idle, task).WaitAsync(TimeSpan.FromSeconds(60));
            if (done == task) break;
            if (until is { } limit && Time.GetUtcNow() - Start >= limit) break;
            Time.Advance(advance);
        }
        return await task;
    }

    /// <summary>Runs a whole writer: writes <paramref name="items"/>, completes, returns the summary.</summary>
    public Task<WriteSummary> WriteAllAsync(IDynamoDbWriter writer, IEnumerable<Dictionary<string, AttributeValue>> items, TimeSpan? step = null) =>
        RunAsync(async () =>
        {
            foreach (var item in items) await writer.WriteAsync(item);
            return await writer.CompleteAsync();
        }, step);

    public void Dispose()
    {
        Factory.Dispose();
        Metrics.Dispose();
        LoggerFactory.Dispose();
        Client.Dispose();
        Dynamo.Dispose();
    }
}

/// <summary>Test items.</summary>
internal static class Items
{
    /// <summary>An item with key <c>pk</c> and a payload that makes it <paramref name="size"/> bytes by DynamoDB's rules.</summary>
    public static Dictionary<string, AttributeValue> Sized(string pk, int size, string payloadName = "data")
    {
        var item = new Dictionary<string, AttributeValue> { ["pk"] = new AttributeValue { S = pk } };
        int overhead = ItemSize.Of(item) + System.Text.Encoding.UTF8.GetByteCount(payloadName);
        item[payloadName] = new AttributeValue { S = new string('x', Math.Max(1, size - overhead)) };
        return item;
    }

    public static Dictionary<string, AttributeValue> Of(string pk, params (string Name, string Value)[] attributes)
    {
        var item = new Dictionary<string, AttributeValue> { ["pk"] = new AttributeValue { S = pk } };
        foreach (var (name, value) in attributes) item[name] = new AttributeValue { S = value };
        return item;
    }
}

/// <summary>Keeps every log line, for tests that check what was logged.</summary>
internal sealed class CollectingLoggerProvider : ILoggerProvider
{
    private readonly List<(LogLevel Level, EventId Id, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries
    {
        get { lock (_entries) return [.. _entries]; }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CollectingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (provider._entries) provider._entries.Add((logLevel, eventId, formatter(state, exception)));
        }
    }
}
