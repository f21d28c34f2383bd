using Amazon;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Extensions.NETCore.Setup;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Outages;

/// <summary>
/// A host's client that keeps the SDK's default retries, in front of dynalite through <see cref="FaultProxy"/>
/// answering a share of the requests with HTTP 400 throttling errors, as a throttling DynamoDB does: the SDK retries
/// them inside one call, out of the caller's sight, and the connector counts every one of them anyway, slows its
/// pacing, and loses nothing.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class SdkRetriesThroughFaultsTests(LocalServers servers) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _direct = servers.CreateDynamoDbClient();
    private readonly FaultProxy _proxy = new(servers.DynamoDbEndpoint);
    private readonly string _table = LocalServers.UniqueName("sdk-retries");

    public Task InitializeAsync() => TestTables.CreateTableAsync(_direct, _table, indexes: false);

    public async Task DisposeAsync()
    {
        await _direct.DeleteTableAsync(_table);
        await _proxy.DisposeAsync();
        _direct.Dispose();
    }

    /// <summary>Every third request of <paramref name="operation"/> answered with a throttling error, the two kinds in turn.</summary>
    private void ThrottleEveryThird(string operation)
    {
        int seen = 0;
        _proxy.AnswerWithError = op =>
        {
            if (op != operation) return null;
            int n = Interlocked.Increment(ref seen);
            return n % 3 != 0 ? null : n % 2 == 0 ? "ProvisionedThroughputExceededException" : "ThrottlingException";
        };
    }

    [Fact]
    public async Task Writer_OverAClientFromAddAWSService_CountsTheThrottledBatchesTheSdkRetried_SlowsDown_AndLosesNothing()
    {
        await using var services = new ServiceCollection()
            .AddDefaultAWSOptions(new AWSOptions
            {
                Credentials = LocalServers.Credentials,
                Region = RegionEndpoint.GetBySystemName(LocalServers.Region),
                DefaultClientConfig = { ServiceURL = _proxy.Endpoint.ToString(), AuthenticationRegion = LocalServers.Region },
            })
            .AddAWSService<IAmazonDynamoDB>()
            .AddDynamoDbConnector()
            .BuildServiceProvider();
        Assert.True(services.GetRequiredService<IAmazonDynamoDB>().Config.MaxErrorRetry > 0); // the SDK's default retries
        var items = TestTables.Plain(20, 50);
        ThrottleEveryThird("BatchWriteItem");
        await using var writer = await services.GetRequiredService<IDynamoDbWriterFactory>().CreateAsync(_table);

        foreach (var item in items) await writer.WriteAsync(item);
        await writer.FlushAsync();
        var progress = writer.GetProgress();
        var summary = await writer.CompleteAsync();

        Assert.True(_proxy.AnsweredWithError > 0);
        Assert.Equal(_proxy.AnsweredWithError, summary.ThrottledRequests); // each one, whether the SDK or the writer retried it
        Assert.True(summary.Retries >= summary.ThrottledRequests);
        Assert.True(progress.PacingWriteUnitsPerSecond < progress.BudgetWriteUnitsPerSecond,
            $"pacing {progress.PacingWriteUnitsPerSecond} of a {progress.BudgetWriteUnitsPerSecond} budget: the throttles did not slow it");
        Assert.Equal(items.Count, summary.ItemsWritten);
        Assert.Equal(0, summary.ItemsDeadLettered);
        await TestTables.AssertTableHoldsAsync(_direct, _table, items);
    }

    [Fact]
    public async Task SplitReader_OverAClientWithDefaultRetries_CountsTheThrottledScansTheSdkRetried_SlowsDown_AndReadsEveryItem()
    {
        var items = TestTables.Plain(10, 40);
        await TestTables.PutAllAsync(_direct, _table, items);
        using var client = new AmazonDynamoDBClient(LocalServers.Credentials, new AmazonDynamoDBConfig
        {
            ServiceURL = _proxy.Endpoint.ToString(),
            AuthenticationRegion = LocalServers.Region,
        });
        Assert.True(client.Config.MaxErrorRetry > 0);
        ThrottleEveryThird("Scan");
        using var tables = new TableInputFormat(client, TimeProvider.System);
        using var input = await tables.OpenAsync(new TableInputOptions { TableName = _table, TotalSegments = 2 });
        var plan = input.Plan();

        var read = new List<Dictionary<string, AttributeValue>>();
        foreach (var split in plan.Splits)
        {
            var reader = input.OpenReader(plan, split.Id);
            while (await reader.ReadPageAsync(maxItems: 20) is { } page) read.AddRange(page.Items);
        }

        Assert.True(_proxy.AnsweredWithError > 0);
        Assert.Equal(_proxy.AnsweredWithError, input.Counters.ThrottledRequests);
        Assert.True(input.PacingReadUnitsPerSecond < input.BudgetReadUnitsPerSecond,
            $"pacing {input.PacingReadUnitsPerSecond} of a {input.BudgetReadUnitsPerSecond} budget: the throttles did not slow it");
        Assert.Equal(items.Select(TestTables.KeyOf).Order(StringComparer.Ordinal), read.Select(TestTables.KeyOf).Order(StringComparer.Ordinal));
    }
}
