using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Outages;

/// <summary>
/// Conditional writes (<c>put-if-absent</c>) through <see cref="FaultProxy"/> dropping answers after dynalite applied
/// the write: the retry finds the item it wrote, which is a write, not a skip; and every dropped call is one retry.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class ConditionalWritesThroughFaultsTests(LocalServers servers) : IAsyncLifetime
{
    private readonly Amazon.DynamoDBv2.AmazonDynamoDBClient _direct = servers.CreateDynamoDbClient();
    private readonly FaultProxy _proxy = new(servers.DynamoDbEndpoint);
    private readonly string _table = LocalServers.UniqueName("conditional");
    private readonly TempFolder _folder = new();

    public Task InitializeAsync() => TestTables.CreateTableAsync(_direct, _table, indexes: false);

    public async Task DisposeAsync()
    {
        await _direct.DeleteTableAsync(_table);
        await _proxy.DisposeAsync();
        _direct.Dispose();
        _folder.Dispose();
    }

    private static List<Dictionary<string, AttributeValue>> Items(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new Dictionary<string, AttributeValue>
        {
            ["pk"] = new() { S = $"p{i % 17}" },
            ["sk"] = new() { N = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["v"] = new() { S = $"value {i}" },
        })];

    [Fact]
    public async Task Writer_PutIfAbsent_WhenAnswersAreLostAfterTheWritesApplied_CountsThemWritten_NoneSkipped()
    {
        using var client = OutageTests.ClientThrough(_proxy);
        await using var services = new ServiceCollection().AddSingleton<Amazon.DynamoDBv2.IAmazonDynamoDB>(client).AddDynamoDbConnector().BuildServiceProvider();
        var factory = services.GetRequiredService<IDynamoDbWriterFactory>();
        // The first answers (DescribeTable) pass; then one PutItem answer in ten is lost after dynalite applied the put.
        _proxy.DropResponse = n => n > 5 && n % 10 == 0;
        var items = Items(1000);

        await using var writer = await factory.CreateAsync(_table, new DynamoDbWriterOptions { Mode = WriteMode.PutIfAbsent, Throughput = { WriteUnitsPerSecond = 1_000_000 } });
        foreach (var item in items) await writer.WriteAsync(item);
        var summary = await writer.CompleteAsync();

        Assert.True(_proxy.Dropped >= 90, $"{_proxy.Dropped} answers dropped");
        Assert.Equal(0, summary.ItemsSkippedByCondition);
        Assert.Equal(1000, summary.ItemsWritten);
        Assert.Equal(_proxy.Dropped, summary.Retries);
        Assert.Equal(0, summary.ItemsDeadLettered);
        await TestTables.AssertTableHoldsAsync(_direct, _table, items);
    }

    [Fact]
    public async Task Cli_ImportPutIfAbsent_ThroughDroppedConnections_OnAnEmptyTable_SkipsNone_AndCountsEveryRetry()
    {
        var items = Items(1000);
        string file = _folder.Combine("items.json");
        await File.WriteAllLinesAsync(file, items.Select(i => "{\"Item\":" + System.Text.Encoding.UTF8.GetString(DynamoDb.Connector.Export.ExportJson.FormatMap(i)) + "}"));
        _proxy.DropResponse = n => n > 5 && n % 10 == 0;

        var run = await CliProcess.RunAsync(servers,
            ["import", "--source", file, "--table", _table, "--mode", "put-if-absent", "--write-capacity", "100000", "--json"],
            environment: new Dictionary<string, string> { ["AWS_ENDPOINT_URL_DYNAMODB"] = _proxy.Endpoint.ToString() });

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.True(_proxy.Dropped >= 90, $"{_proxy.Dropped} answers dropped");
        Assert.Equal(0, result.GetProperty("itemsSkippedByCondition").GetInt64());
        Assert.Equal(1000, result.GetProperty("itemsWritten").GetInt64());
        // The SDK client retries nothing unseen: each dropped call is one retry of the connector's.
        Assert.Equal(_proxy.Dropped, result.GetProperty("retries").GetInt64());
        await TestTables.AssertTableHoldsAsync(_direct, _table, items);
    }
}
