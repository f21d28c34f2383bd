using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using DynamoDb.Connector.DependencyInjection;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Export;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.IntegrationTests.Reading;

/// <summary>
/// The export's pieces used alone, as a host wires them from DI, against dynalite and s3rver: the table input read
/// split by split with positions that resume, and the output format writing a host's own items.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class HostPipelineTests : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client;
    private readonly AmazonS3Client _s3;
    private readonly ServiceProvider _services;
    private readonly string _table = LocalServers.UniqueName("pieces");
    private readonly string _bucket = LocalServers.UniqueName("pieces");

    public HostPipelineTests(LocalServers servers)
    {
        _client = servers.CreateDynamoDbClient();
        _s3 = servers.CreateS3Client();
        _services = new ServiceCollection()
            .AddSingleton<IAmazonDynamoDB>(_client)
            .AddSingleton<IAmazonS3>(_s3)
            .AddDynamoDbConnector()
            .BuildServiceProvider();
    }

    public async Task InitializeAsync()
    {
        await TestTables.CreateTableAsync(_client, _table, indexes: false);
        await _s3.PutBucketAsync(_bucket);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _client.DeleteTableAsync(_table);
        _client.Dispose();
        _s3.Dispose();
    }

    [Fact]
    public async Task TableInput_FromDi_ReadsEverySegment_AndASplitResumesFromAStoredPosition_WithoutDuplicates()
    {
        var expected = TestTables.Plain(partitions: 30, perPartition: 10);
        await TestTables.PutAllAsync(_client, _table, expected);
        var tables = _services.GetRequiredService<TableInputFormat>();
        using var input = await tables.OpenAsync(new TableInputOptions { TableName = _table, TotalSegments = 3, Throughput = { ReadUnitsPerSecond = 2_000 } });
        var plan = input.Plan();
        var read = new List<Dictionary<string, AttributeValue>>();

        // Split 0: one page of 7 items, its position stored as JSON (as a host's checkpoint would), then a new reader from it.
        var first = await input.OpenReader(plan, 0).ReadPageAsync(maxItems: 7);
        Assert.NotNull(first);
        Assert.Equal(7, first.Items.Count);
        Assert.False(first.Position.Done);
        read.AddRange(first.Items);
        string stored = JsonSerializer.Serialize(first.Position);
        var resumed = JsonSerializer.Deserialize<TableSplitPosition>(stored)!;
        Assert.Null(ItemComparer.Difference(first.Position.LastEvaluatedKey!, resumed.LastEvaluatedKey!));
        await foreach (var page in input.OpenReader(plan, 0, resumed).ReadPagesAsync()) read.AddRange(page.Items);
        for (int split = 1; split < plan.SplitCount; split++)
        {
            var reader = input.OpenReader(plan, split);
            await foreach (var page in reader.ReadPagesAsync()) read.AddRange(page.Items);
            Assert.True(reader.Done);
            Assert.Null(await reader.ReadPageAsync());
        }

        Assert.Equal(3, plan.SplitCount);
        Assert.Equal(expected.Count, read.Count);
        Assert.Equal(expected.Select(TestTables.KeyOf).Order(), read.Select(TestTables.KeyOf).Order());
        Assert.Equal(expected.Count, input.Counters.ItemsReturned);
        Assert.Equal(3, input.Counters.SplitsDone);
        Assert.True(input.Counters.ConsumedCapacityUnits > 0);
    }

    [Fact]
    public async Task TableInput_OfAMissingTable_ThrowsTableDoesNotExist()
    {
        var tables = _services.GetRequiredService<TableInputFormat>();

        var error = await Assert.ThrowsAsync<TableDoesNotExistException>(() => tables.OpenAsync(new TableInputOptions { TableName = _table + "-missing" }));

        Assert.Equal(_table + "-missing", error.TableName);
    }

    [Fact]
    public async Task OutputFormat_FromDi_WritesAHostsOwnItemsToS3_PartsInvisibleUntilCommitted_ManifestLast_AndImportReadsIt()
    {
        var outputs = _services.GetRequiredService<ExportManifestOutputFormat>();
        string destination = $"s3://{_bucket}/made/";
        var output = outputs.Open(new ExportOutputOptions { Destination = destination });
        var s3Store = new S3ObjectStore(_s3, Options.Create(new S3ObjectStoreOptions()));
        Assert.Equal(0, await output.CleanAsync([]));
        var items = Enumerable.Range(0, 250).Select(i => new Dictionary<string, AttributeValue>
        {
            ["pk"] = new() { S = $"made-{i:D3}" },
            ["sk"] = new() { N = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        }).ToList();

        foreach (var chunk in items.Chunk(100))
        {
            var part = await output.CreatePartAsync();
            foreach (var item in chunk) await part.WriteAsync(item);
            Assert.Null(await s3Store.GetInfoAsync(part.Url)); // not visible before its commit
            var file = await output.CommitAsync(part);
            Assert.Equal(chunk.Length, file.ItemCount);
            Assert.NotNull(await s3Store.GetInfoAsync(file.Url));
        }
        var abandoned = await output.CreatePartAsync();
        await abandoned.WriteAsync(items[0]);
        await abandoned.DisposeAsync(); // never committed: never visible, never listed
        Assert.False(await output.IsCompleteAsync());
        var listed = await output.WriteManifestAsync();

        Assert.True(await output.IsCompleteAsync());
        Assert.Equal(3, listed.Count);
        Assert.Null(await s3Store.GetInfoAsync(abandoned.Url));
        var (readBack, manifest) = await ExportFixture.ReadEmrExportAsync(s3Store, output.ManifestUri, ItemFileFormat.DataPipeline);
        Assert.Equal(items.Select(i => i["pk"].S).Order(), readBack.Select(i => i["pk"].S).Order());
        Assert.Equal(listed.Select(f => f.Url), manifest.Entries.Select(e => e.Url));
        var plan = await _services.GetRequiredService<ImportInputFormat>().PlanAsync(new ImportSourceOptions { Source = destination });
        Assert.Equal(ImportSourceKind.EmrManifest, plan.Kind);
        Assert.Equal(250, plan.ExpectedItems);
    }
}
