using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Export;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.IntegrationTests.Outages;

/// <summary>An export whose DynamoDB stops answering midway: it stops as unavailable, without a manifest, and a rerun resumes to a complete export.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class ExportOutageTests(LocalServers servers) : IAsyncLifetime
{
    private readonly Amazon.DynamoDBv2.AmazonDynamoDBClient _direct = servers.CreateDynamoDbClient();
    private readonly Amazon.S3.AmazonS3Client _s3 = servers.CreateS3Client();
    private readonly FaultProxy _proxy = new(servers.DynamoDbEndpoint);
    private readonly string _table = LocalServers.UniqueName("export-outage");
    private readonly TempFolder _folder = new();

    public async Task InitializeAsync()
    {
        await TestTables.CreateTableAsync(_direct, _table, indexes: false);
        await TestTables.PutAllAsync(_direct, _table, TestTables.Plain(4, 10));
    }

    public async Task DisposeAsync()
    {
        await _direct.DeleteTableAsync(_table);
        await _proxy.DisposeAsync();
        _direct.Dispose();
        _s3.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Export_WhenDynamoDbStopsMidway_StopsWithUnavailable_WithoutAManifest_AndTheRerunResumesToEveryItem()
    {
        using var client = OutageTests.ClientThrough(_proxy);
        using var job = ExportFixture.CreateJob(client, _s3);
        string destination = _folder.Path + "/out/";
        var options = ExportFixture.OptionsFor(_table, destination);
        options.ItemsPerFile = 5;
        options.TotalSegments = 2;
        options.MaxWorkers = 1;
        options.Retry = new RetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(50) };
        int scans = 0;
        _proxy.OnRequest = operation =>
        {
            if (operation == "Scan" && Interlocked.Increment(ref scans) == 4) _proxy.Mode = ProxyMode.Refuse;
        };

        var error = await Assert.ThrowsAsync<DynamoDbUnavailableException>(() => job.RunAsync(options));

        Assert.Equal(_proxy.Endpoint.ToString(), error.Endpoint);
        Assert.Contains("failed 3 times in a row", error.Message, StringComparison.Ordinal);
        Assert.Contains("run the export again to resume", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(destination + "manifest"));

        _proxy.OnRequest = null;
        _proxy.Mode = ProxyMode.Forward;
        var result = await job.RunAsync(options);

        Assert.True(result.Resumed);
        var (items, _) = await ExportFixture.ReadEmrExportAsync(new LocalFileObjectStore(), result.ManifestUri, ItemFileFormat.DataPipeline);
        Assert.Equal(40, items.Count);
        Assert.Equal(40, items.Select(TestTables.KeyOf).Distinct().Count());
    }
}
