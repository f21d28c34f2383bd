using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.DocumentModel;
using Amazon.DynamoDBv2.Model;
using BenchmarkDotNet.Attributes;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoDb.Connector.Benchmarks.Writing;

/// <summary>
/// The writer's cost per item: 1 KB items to an in-process DynamoDB double, with an unlimited budget. With
/// <see cref="LatencyMs"/> 0 the double answers at once, so what is measured is CPU on the client side (validation,
/// sizing, batching, pacing, the SDK's marshalling and HTTP pipeline); with 5 it answers after a round trip like
/// DynamoDB's in a region, which is where batches in flight pay. Baselines in the same run: a plain loop of
/// BatchWriteItem calls of 25, and the SDK's own DocumentBatchWrite. The connector writes dictionaries, and the same
/// items as wire bytes (<see cref="EncodedItem"/>). Results are per item (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class WriterBenchmarks
{
    private const int ItemCount = 10_000;
    private const string TableName = "bench";

    private List<Dictionary<string, AttributeValue>> _items = null!;
    private List<EncodedItem> _encoded = null!;
    private AmazonDynamoDBClient _client = null!;
    private DynamoDbWriterFactory _factory = null!;
    private ConnectorMetrics _metrics = null!;
    private DynamoDbWriterOptions _options = null!;

    /// <summary>The double's round trip in milliseconds: 0 (answers at once) or a regional round trip.</summary>
    [Params(0, 5)]
    public int LatencyMs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _items = [.. Enumerable.Range(0, ItemCount).Select(OneKilobyteItem)];
        _encoded = _items.ConvertAll(EncodedItem.From);
        _client = DynamoDbDouble.CreateClient(TimeSpan.FromMilliseconds(LatencyMs));
        _metrics = new ConnectorMetrics();
        _factory = new DynamoDbWriterFactory(_client, new DynamoDbWriterOptions(), TimeProvider.System, NullLoggerFactory.Instance, _metrics, [], Random.Shared.NextDouble);
        _options = new DynamoDbWriterOptions { ProgressInterval = TimeSpan.Zero, Throughput = { WriteUnitsPerSecond = 1_000_000_000 } };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _factory.Dispose();
        _metrics.Dispose();
        _client.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ItemCount, Description = "Naive loop of BatchWriteItem (25)")]
    public async Task NaiveBatchWriteLoop()
    {
        for (int start = 0; start < _items.Count; start += 25)
        {
            var requests = new List<WriteRequest>(25);
            for (int i = start; i < Math.Min(start + 25, _items.Count); i++) requests.Add(new WriteRequest { PutRequest = new PutRequest { Item = _items[i] } });
            await _client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { [TableName] = requests } });
        }
    }

    [Benchmark(OperationsPerInvoke = ItemCount, Description = "SDK DocumentBatchWrite")]
    public async Task SdkDocumentBatchWrite()
    {
        var table = (Table)new TableBuilder(_client, TableName).AddHashKey("pk", DynamoDBEntryType.String).Build();
        var batch = table.CreateBatchWrite();
        foreach (var item in _items) batch.AddDocumentToPut(Document.FromAttributeMap(item));
        await batch.ExecuteAsync();
    }

    [Benchmark(OperationsPerInvoke = ItemCount, Description = "Connector writer")]
    public async Task<long> ConnectorWriter()
    {
        await using var writer = await _factory.CreateAsync(TableName, _options);
        foreach (var item in _items) await writer.WriteAsync(item);
        var summary = await writer.CompleteAsync();
        return summary.ItemsWritten;
    }

    /// <summary>The same items as their wire bytes (as the JSON line readers hand them over): checked and sent as they are.</summary>
    [Benchmark(OperationsPerInvoke = ItemCount, Description = "Connector writer, encoded items")]
    public async Task<long> ConnectorWriterEncoded()
    {
        await using var writer = await _factory.CreateAsync(TableName, _options);
        foreach (var item in _encoded) await writer.WriteAsync(item);
        var summary = await writer.CompleteAsync();
        return summary.ItemsWritten;
    }

    /// <summary>About 1 KB by DynamoDB's rules, a few attributes of common types.</summary>
    private static Dictionary<string, AttributeValue> OneKilobyteItem(int i) => new()
    {
        ["pk"] = new() { S = $"customer#{i:D8}" },
        ["created"] = new() { N = (1_700_000_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture) },
        ["name"] = new() { S = "Name " + i },
        ["active"] = new() { BOOL = i % 2 == 0 },
        ["tags"] = new() { SS = ["a", "b", "c" + i % 10] },
        ["address"] = new() { M = new() { ["city"] = new() { S = "Seattle" }, ["zip"] = new() { S = "98101" } } },
        ["notes"] = new() { S = new string('n', 880) },
    };
}
