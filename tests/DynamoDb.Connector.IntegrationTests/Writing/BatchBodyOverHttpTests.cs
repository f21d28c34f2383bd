using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Writing;

/// <summary>
/// The BatchWriteItem bodies the connector writes itself (<see cref="BatchRequestBody"/>), sent by an SDK client over
/// HTTP to dynalite through <see cref="FaultProxy"/>: what DynamoDB leaves unprocessed is resent from them and lands,
/// throttles retried by the SDK resend the same body, and an item DynamoDB rejects is dead-lettered by file and line.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed partial class BatchBodyOverHttpTests(LocalServers servers) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _direct = servers.CreateDynamoDbClient();
    private readonly FaultProxy _proxy = new(servers.DynamoDbEndpoint);
    private readonly string _table = LocalServers.UniqueName("batch-body");
    private AmazonDynamoDBClient _viaProxy = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        await TestTables.CreateTableAsync(_direct, _table);
        _viaProxy = new AmazonDynamoDBClient(LocalServers.Credentials, new AmazonDynamoDBConfig
        {
            ServiceURL = _proxy.Endpoint.ToString(),
            AuthenticationRegion = LocalServers.Region,
            MaxErrorRetry = 3, // the SDK's own retries resend the connector's body
        });
        _services = new ServiceCollection()
            .AddSingleton<IAmazonDynamoDB>(_viaProxy)
            .AddDynamoDbConnector(o => o.Writer.Throughput.WritePercent = 1)
            .BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _direct.DeleteTableAsync(_table);
        await _proxy.DisposeAsync();
        _viaProxy.Dispose();
        _direct.Dispose();
    }

    /// <summary>
    /// Asserts the table holds what the SDK's own marshalling of <paramref name="items"/> stores (in a table of its
    /// own: dynalite spells some numbers its own way, as DynamoDB does).
    /// </summary>
    private async Task AssertHoldsWhatTheSdkWrites(List<Dictionary<string, AttributeValue>> items)
    {
        string reference = LocalServers.UniqueName("batch-body-sdk");
        await TestTables.CreateTableAsync(_direct, reference, indexes: false);
        try
        {
            await TestTables.PutAllAsync(_direct, reference, items);
            await TestTables.AssertTableHoldsAsync(_direct, _table, await TestTables.ScanAsync(_direct, reference));
        }
        finally
        {
            await _direct.DeleteTableAsync(reference);
        }
    }

    private Task<IDynamoDbWriter> CreateWriterAsync(DynamoDbWriterOptions? options = null) =>
        _services.GetRequiredService<IDynamoDbWriterFactory>().CreateAsync(_table, options);

    private void AssertTheConnectorWritesTheBodies() =>
        Assert.IsType<BatchRequestBody.EncodedRequest>(BatchRequestBody.For(_viaProxy, _table, []));

    [Fact]
    public async Task EveryWriteLeftUnprocessed_IsResentFromTheConnectorsBody_AndEveryItemLandsExactly()
    {
        var items = TestTables.EveryType().Concat(TestTables.Plain(3, 20)).ToList();
        int answered = 0;
        _proxy.AnswerAllUnprocessed = _ => Interlocked.Increment(ref answered) <= 3;
        await using var writer = await CreateWriterAsync();

        foreach (var item in items) await writer.WriteAsync(item);
        var summary = await writer.CompleteAsync();

        AssertTheConnectorWritesTheBodies();
        Assert.Equal(3, _proxy.AnsweredUnprocessed);
        Assert.True(summary.ThrottledRequests >= 3, $"{summary.ThrottledRequests} throttled requests");
        Assert.Equal(items.Count, summary.ItemsWritten);
        Assert.Equal(0, summary.ItemsDeadLettered);
        await AssertHoldsWhatTheSdkWrites(items);
    }

    [Fact]
    public async Task ThrottledBatches_TheSdkResendsTheSameBody_PacingSlows_AndNothingIsLost()
    {
        var items = TestTables.EveryType().Concat(TestTables.Plain(10, 30)).ToList();
        int seen = 0;
        _proxy.AnswerWithError = op => op == "BatchWriteItem" && Interlocked.Increment(ref seen) % 2 == 1 ? "ProvisionedThroughputExceededException" : null;
        await using var writer = await CreateWriterAsync();

        foreach (var item in items) await writer.WriteAsync(item);
        await writer.FlushAsync();
        var progress = writer.GetProgress();
        var summary = await writer.CompleteAsync();

        AssertTheConnectorWritesTheBodies();
        Assert.True(_proxy.AnsweredWithError > 0);
        Assert.Equal(_proxy.AnsweredWithError, summary.ThrottledRequests);
        Assert.True(progress.PacingWriteUnitsPerSecond < progress.BudgetWriteUnitsPerSecond,
            $"pacing {progress.PacingWriteUnitsPerSecond} of a {progress.BudgetWriteUnitsPerSecond} budget: the throttles did not slow it");
        Assert.Equal(items.Count, summary.ItemsWritten);
        await AssertHoldsWhatTheSdkWrites(items);
    }

    [Fact]
    public async Task AnItemDynamoDbRejects_IsDeadLetteredByFileAndLine_AndTheRestOfItsBatchLands()
    {
        // An index key of the wrong type: only DynamoDB knows the index's key types, so it rejects the whole body.
        var items = TestTables.Plain(2, 30);
        items[17]["price"] = new AttributeValue { S = "not a number" };
        items[40]["sk"] = new AttributeValue { S = "wrong key type" }; // and one the writer catches itself
        await using var writer = await CreateWriterAsync();

        for (int i = 0; i < items.Count; i++) await writer.WriteAsync(new ItemRecord(items[i], i + 1), "input/part-3.json");
        var summary = await writer.CompleteAsync();

        AssertTheConnectorWritesTheBodies();
        Assert.Equal(58, summary.ItemsWritten);
        Assert.Equal(2, summary.ItemsDeadLettered);
        var rejected = Assert.Single(summary.DeadLetters, l => l.Line == 18);
        Assert.Equal("input/part-3.json", rejected.Source);
        Assert.Contains("ValidationException", rejected.Reason, StringComparison.Ordinal);
        var invalid = Assert.Single(summary.DeadLetters, l => l.Line == 41);
        Assert.Equal("input/part-3.json", invalid.Source);
        await TestTables.AssertTableHoldsAsync(_direct, _table, items.Where((_, i) => i is not 17 and not 40));
    }
}
