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
}
