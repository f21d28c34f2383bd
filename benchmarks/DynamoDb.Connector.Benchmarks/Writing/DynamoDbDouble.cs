using System.Net;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace DynamoDb.Connector.Benchmarks.Writing;

/// <summary>
/// DynamoDB that answers every request after a given latency (at once for zero), without reading it: BatchWriteItem
/// with no unprocessed items, DescribeTable with an on-demand table "bench" keyed by a string "pk". The writer and
/// import benchmarks write through the real SDK client to it, so the client side is what is measured.
/// </summary>
public sealed class DynamoDbDouble(TimeSpan latency) : HttpMessageHandler
{
    private static readonly byte[] Written = Encoding.UTF8.GetBytes("""{"UnprocessedItems":{}}""");
    private static readonly byte[] Described = Encoding.UTF8.GetBytes("""
        {"Table":{"TableName":"bench","TableStatus":"ACTIVE","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
        "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"},
        "ProvisionedThroughput":{"ReadCapacityUnits":0,"WriteCapacityUnits":0}}}
        """);

    /// <summary>An SDK client (no SDK retries) whose every request this double answers after <paramref name="latency"/>.</summary>
    public static AmazonDynamoDBClient CreateClient(TimeSpan latency) => new(new BasicAWSCredentials("bench", "bench"), new AmazonDynamoDBConfig
    {
        ServiceURL = "http://dynamodb.bench.local",
        AuthenticationRegion = "us-east-1",
        MaxErrorRetry = 0,
        HttpClientFactory = new Factory(latency),
    });

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (latency > TimeSpan.Zero) await Task.Delay(latency, cancellationToken);
        bool describe = request.Headers.TryGetValues("X-Amz-Target", out var target) && target.First().EndsWith(".DescribeTable", StringComparison.Ordinal);
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(describe ? Described : Written) };
        response.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        return response;
    }

    private sealed class Factory(TimeSpan latency) : HttpClientFactory
    {
        private readonly HttpClient _client = new(new DynamoDbDouble(latency));

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _client;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }
}
