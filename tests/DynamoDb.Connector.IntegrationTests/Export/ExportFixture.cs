using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.IntegrationTests.Export;

/// <summary>
/// Passes DynamoDB requests to dynalite and records them (operation and JSON body), so tests assert on what was
/// sent; can fail or cancel chosen requests to interrupt an export part-way.
/// </summary>
internal sealed class RecordingHandler() : DelegatingHandler(new HttpClientHandler())
{
    private readonly object _lock = new();
    private readonly List<(string Operation, JsonElement Body)> _requests = [];

    /// <summary>Called before each request is sent, with its operation and how many of that operation came before; a response returned is answered instead.</summary>
    public Func<string, int, HttpResponseMessage?>? Intercept { get; set; }

    public IReadOnlyList<(string Operation, JsonElement Body)> Requests
    {
        get { lock (_lock) return [.. _requests]; }
    }

    public IEnumerable<JsonElement> BodiesOf(string operation) => Requests.Where(r => r.Operation == operation).Select(r => r.Body);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : "";
        string operation = target[(target.IndexOf('.') + 1)..];
        string body = request.Content is null ? "{}" : await request.Content.ReadAsStringAsync(cancellationToken);
        int earlier;
        lock (_lock)
        {
            earlier = _requests.Count(r => r.Operation == operation);
            _requests.Add((operation, JsonDocument.Parse(body).RootElement.Clone()));
        }
        if (Intercept?.Invoke(operation, earlier) is { } response) return response;
        return await base.SendAsync(request, cancellationToken);
    }

    /// <summary>A DynamoDB error answer.</summary>
    public static HttpResponseMessage Error(HttpStatusCode status, string type, string message) => new(status)
    {
        Content = new StringContent($"{{\"__type\":\"com.amazonaws.dynamodb.v20120810#{type}\",\"message\":\"{message}\"}}", Encoding.UTF8, "application/x-amz-json-1.0"),
    };

    public sealed class Factory(HttpMessageHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(handler, disposeHandler: false);

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }
}

/// <summary>Tables, items and jobs for the export tests.</summary>
internal static class ExportFixture
{
    public static AmazonDynamoDBClient CreateClient(LocalServers servers, RecordingHandler handler) => new(LocalServers.Credentials, new AmazonDynamoDBConfig
    {
        ServiceURL = servers.DynamoDbEndpoint.ToString(),
        AuthenticationRegion = LocalServers.Region,
        MaxErrorRetry = 0,
        HttpClientFactory = new RecordingHandler.Factory(handler),
    });

    public static ExportJob CreateJob(IAmazonDynamoDB client, Amazon.S3.IAmazonS3 s3) =>
        new(client, TimeProvider.System, [new LocalFileObjectStore(), new S3ObjectStore(s3, Options.Create(new S3ObjectStoreOptions()))]);

    /// <summary>
    /// Options that read about as fast as dynalite answers: 2,000 RCU/s, so 20 segments when none are set (dynalite
    /// splits its key space into 4,096 buckets, so it serves at most that many distinct segments).
    /// </summary>
    public static ExportOptions OptionsFor(string table, string destination) => new()
    {
        TableName = table,
        Destination = destination,
        Throughput = { ReadUnitsPerSecond = 2_000 },
        ProgressInterval = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>
    /// A table keyed by <c>pk</c> (S) and <c>sk</c> (N), with global index <c>byCategory</c> (category, sk) and local
    /// index <c>byPrice</c> (pk, price).
    /// </summary>
    public static async Task CreateTableAsync(IAmazonDynamoDB client, string name)
    {
        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
            AttributeDefinitions =
            [
                new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.N),
                new AttributeDefinition("category", ScalarAttributeType.S), new AttributeDefinition("price", ScalarAttributeType.N),
            ],
            ProvisionedThroughput = new ProvisionedThroughput(100, 100),
            GlobalSecondaryIndexes =
            [
                new GlobalSecondaryIndex
                {
                    IndexName = "byCategory",
                    KeySchema = [new KeySchemaElement("category", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
                    Projection = new Projection { ProjectionType = ProjectionType.ALL },
                    ProvisionedThroughput = new ProvisionedThroughput(50, 50),
                },
            ],
            LocalSecondaryIndexes =
            [
                new LocalSecondaryIndex
                {
                    IndexName = "byPrice",
                    KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("price", KeyType.RANGE)],
                    Projection = new Projection { ProjectionType = ProjectionType.ALL },
                },
            ],
        });
    }

    public static async Task PutAllAsync(IAmazonDynamoDB client, string table, IEnumerable<Dictionary<string, AttributeValue>> items)
    {
        foreach (var chunk in items.Chunk(25))
        {
            var request = new BatchWriteItemRequest { RequestItems = new() { [table] = [.. chunk.Select(i => new WriteRequest(new PutRequest(i)))] } };
            var response = await client.BatchWriteItemAsync(request);
            Assert.True(response.UnprocessedItems is null or { Count: 0 });
        }
    }

    /// <summary>Plain items: <paramref name="partitions"/> partitions of <paramref name="perPartition"/> items, categories c0-c2, prices.</summary>
    public static List<Dictionary<string, AttributeValue>> Plain(int partitions, int perPartition) =>
        [.. from p in Enumerable.Range(0, partitions)
            from s in Enumerable.Range(0, perPartition)
            select new Dictionary<string, AttributeValue>
            {
                ["pk"] = new AttributeValue { S = $"p{p}" },
                ["sk"] = new AttributeValue { N = s.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["category"] = new AttributeValue { S = $"c{(p + s) % 3}" },
                ["price"] = new AttributeValue { N = (s * 10 + p).ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["size"] = new AttributeValue { N = (s % 5).ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["name"] = new AttributeValue { S = $"item {p}/{s}" },
            }];

    /// <summary>Items holding every type DynamoDB has, and the values that break naive codecs.</summary>
    public static List<Dictionary<string, AttributeValue>> EveryType()
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        for (int i = 0; i < 40; i++)
        {
            items.Add(new Dictionary<string, AttributeValue>
            {
                ["pk"] = new AttributeValue { S = $"types-{i % 4}" },
                ["sk"] = new AttributeValue { N = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["s"] = new AttributeValue { S = $"ünïcødé 日本語 🎉 \"quoted\" back\\slash tab\t newline\n nul\u0001 {i}" },
                ["n38"] = new AttributeValue { N = i % 2 == 0 ? "12345678901234567890123456789012345678" : "-0.00000000000000000000000000000000000012345678901234567890123456789012345678" },
                ["nsmall"] = new AttributeValue { N = "1E-130" },
                ["b"] = new AttributeValue { B = new MemoryStream([0, 1, 2, 255, (byte)i]) },
                ["bool"] = new AttributeValue { BOOL = i % 2 == 0 },
                ["null"] = new AttributeValue { NULL = true },
                ["ss"] = new AttributeValue { SS = ["a", "ü", $"x{i}"] },
                ["ns"] = new AttributeValue { NS = ["1", "2.5", "-99999999999999999999999999999999999999"] },
                ["bs"] = new AttributeValue { BS = [new MemoryStream([1]), new MemoryStream([2, 3])] },
                ["emptyList"] = new AttributeValue { L = [] },
                ["emptyMap"] = new AttributeValue { M = [] },
                ["nested"] = new AttributeValue
                {
                    M = new()
                    {
                        ["list"] = new AttributeValue { L = [new AttributeValue { S = "x" }, new AttributeValue { N = "1" }, new AttributeValue { M = new() { ["deep"] = new AttributeValue { L = [new AttributeValue { BOOL = false }, new AttributeValue { NULL = true }] } } }] },
                        ["set"] = new AttributeValue { SS = ["only"] },
                        ["bin"] = new AttributeValue { B = new MemoryStream([42]) },
                        ["empty"] = new AttributeValue { M = [] },
                    },
                },
                ["emptyString"] = new AttributeValue { S = "" },
            });
        }
        return items;
    }

    /// <summary>The items the manifest of an EMR export lists, read back through the Formats readers, and the manifest.</summary>
    public static async Task<(List<Dictionary<string, AttributeValue>> Items, ExportManifest Manifest)> ReadEmrExportAsync(IObjectStore store, string manifestUri, ItemFileFormat format)
    {
        ExportManifest manifest;
        await using (var stream = await store.OpenReadAsync(manifestUri))
        {
            manifest = await ExportManifest.ReadAsync(stream, manifestUri);
        }
        var items = new List<Dictionary<string, AttributeValue>>();
        foreach (var entry in manifest.Entries)
        {
            await using var reader = ItemFiles.OpenReader(await store.OpenReadAsync(entry.Url), format, new ItemReaderOptions { SourceName = entry.Url });
            while (await reader.ReadAsync() is { } record) items.Add(record.Item);
        }
        return (items, manifest);
    }

    /// <summary>A sortable key for an item (pk/sk) to compare sets of items.</summary>
    public static string KeyOf(Dictionary<string, AttributeValue> item) => $"{item["pk"].S}|{item["sk"].N}";
}
