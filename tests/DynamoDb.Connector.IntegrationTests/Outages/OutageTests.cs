using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Import;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Outages;

/// <summary>
/// DynamoDB going away under a running job, through <see cref="FaultProxy"/> in front of dynalite: an outage is not a
/// bad item. The job stops with <see cref="DynamoDbUnavailableException"/>, dead-letters nothing, leaves a checkpoint
/// behind only what was written, and a rerun with DynamoDB back ends with the table equal to the source.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class OutageTests : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _direct;
    private readonly Amazon.S3.AmazonS3Client _s3;
    private readonly FaultProxy _proxy;
    private readonly AmazonDynamoDBClient _throughProxy;
    private readonly ServiceProvider _services;
    private readonly string _table = LocalServers.UniqueName("outage");
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("outage-");

    public OutageTests(LocalServers servers)
    {
        _direct = servers.CreateDynamoDbClient();
        _s3 = servers.CreateS3Client();
        _proxy = new FaultProxy(servers.DynamoDbEndpoint);
        _throughProxy = ClientThrough(_proxy);
        _services = ImportFixture.CreateServices(_throughProxy, _s3);
    }

    /// <summary>A client of the proxy that leaves every retry to the connector, as the CLI's does.</summary>
    internal static AmazonDynamoDBClient ClientThrough(FaultProxy proxy) => new(LocalServers.Credentials, new AmazonDynamoDBConfig
    {
        ServiceURL = proxy.Endpoint.ToString(),
        AuthenticationRegion = LocalServers.Region,
        MaxErrorRetry = 0,
        MaxStaleConnectionRetries = 0,
    });

    public Task InitializeAsync() => TestTables.CreateTableAsync(_direct, _table, indexes: false);

    public async Task DisposeAsync()
    {
        await _direct.DeleteTableAsync(_table);
        await _services.DisposeAsync();
        _throughProxy.Dispose();
        _s3.Dispose();
        await _proxy.DisposeAsync();
        _direct.Dispose();
        _directory.Delete(recursive: true);
    }

    /// <summary>Eight files of 100 items (about 50 KB), each its own split (64 KiB splits), read by one worker in order.</summary>
    private async Task<(ImportJobOptions Options, List<Dictionary<string, AttributeValue>> Items)> SourceAsync()
    {
        var stores = _services.GetRequiredService<ObjectStores>();
        string source = Path.Combine(_directory.FullName, "source") + "/";
        var items = new List<Dictionary<string, AttributeValue>>();
        for (int f = 0; f < 8; f++)
        {
            var file = ImportFixture.Padded(100, 400, first: f * 100);
            items.AddRange(file);
            await ImportFixture.WriteFileAsync(stores.For(source), $"{source}part-{f}.json", ItemFileFormat.DynamoDbJson, CompressionKind.None, file);
        }
        var options = ImportFixture.OptionsFor(_table, source);
        options.Workers = 1;
        options.Source.TargetSplitBytes = 64 * 1024;
        options.CheckpointUri = Path.Combine(_directory.FullName, "checkpoint") + "/";
        // A short outage window, so the test does not wait out the default 20 attempts.
        options.Writer.Retry = new RetryOptions { MaxAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(50) };
        return (options, items);
    }

    private string DeadLetterFolder(ImportJobOptions options) => Path.Combine(options.CheckpointUri!, "dead-letters");

    [Fact]
    public async Task Import_WhenDynamoDbStopsMidway_StopsWithUnavailable_DeadLettersNothing_AndTheRerunCompletesTheTable()
    {
        var (options, items) = await SourceAsync();
        var job = _services.GetRequiredService<ImportJob>();
        // DynamoDB stops as the fifth batch is sent (some splits are checkpointed by then).
        int batches = 0;
        _proxy.OnRequest = operation =>
        {
            if (operation == "BatchWriteItem" && Interlocked.Increment(ref batches) == 5) _proxy.Mode = ProxyMode.Refuse;
        };

        var error = await Assert.ThrowsAsync<DynamoDbUnavailableException>(() => job.RunAsync(options));

        Assert.Equal(_proxy.Endpoint.ToString(), error.Endpoint);
        // The writer met the outage (not the next split's DescribeTable), and gave up on its retries, not on the items.
        Assert.Contains("writes to table", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, error.Summary!.ItemsDeadLettered);
        Assert.False(Directory.Exists(DeadLetterFolder(options)) && Directory.EnumerateFiles(DeadLetterFolder(options), "*", SearchOption.AllDirectories).Any(),
            "an outage left dead letters");
        int writtenBefore = (await TestTables.ScanAsync(_direct, _table)).Count;
        Assert.InRange(writtenBefore, 1, items.Count - 1);

        _proxy.OnRequest = null;
        _proxy.Mode = ProxyMode.Forward;
        var result = await job.RunAsync(options);

        // The splits the checkpoint shows as done were not read again, and nothing else was skipped.
        Assert.True(result.SplitsSkipped > 0, $"{result.SplitsSkipped} splits skipped");
        Assert.Equal(result.Plan.Splits.Count, result.SplitsRun + result.SplitsSkipped);
        Assert.Equal(0, result.ItemsDeadLettered);
        await TestTables.AssertTableHoldsAsync(_direct, _table, items);
        Assert.False(Directory.Exists(DeadLetterFolder(options)) && Directory.EnumerateFiles(DeadLetterFolder(options), "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task Import_WhenDynamoDbStallsMidway_GivesUpEachAttemptAtItsTimeout_StopsWithUnavailable_AndTheRerunCompletes()
    {
        var (options, items) = await SourceAsync();
        options.Writer.Retry.AttemptTimeout = TimeSpan.FromMilliseconds(300);
        var job = _services.GetRequiredService<ImportJob>();
        // The fifth batch and everything after it get no answer: the connections stay open, silent.
        int batches = 0;
        _proxy.OnRequest = operation =>
        {
            if (operation == "BatchWriteItem" && Interlocked.Increment(ref batches) == 5) _proxy.Mode = ProxyMode.Stall;
        };
        // A bound, not a timing claim: without an attempt timeout each attempt waits for the client's 100 s.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<DynamoDbUnavailableException>(() => job.RunAsync(options, bound.Token));

        Assert.Contains("no answer within", error.LastError, StringComparison.Ordinal);
        Assert.Equal(0, error.Summary!.ItemsDeadLettered);

        _proxy.OnRequest = null;
        _proxy.Mode = ProxyMode.Forward;
        var result = await job.RunAsync(options);

        Assert.Equal(0, result.ItemsDeadLettered);
        await TestTables.AssertTableHoldsAsync(_direct, _table, items);
    }

    [Theory]
    [InlineData(ProxyMode.Refuse)]
    [InlineData(ProxyMode.Reset)]
    public async Task Import_WhenDynamoDbIsUnreachableFromTheStart_StopsWithUnavailableBeforeReadingAnything(ProxyMode mode)
    {
        var (options, _) = await SourceAsync();
        var job = _services.GetRequiredService<ImportJob>();
        _proxy.Mode = mode;
        // A bound, not a timing claim: an endpoint that cannot be reached must not keep the job waiting.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var error = await Assert.ThrowsAsync<DynamoDbUnavailableException>(() => job.RunAsync(options, bound.Token));

        Assert.Equal(_proxy.Endpoint.ToString(), error.Endpoint);
        Assert.Contains($"could not describe table '{_table}'", error.Message, StringComparison.Ordinal);
        Assert.Null(error.Summary);
        Assert.Empty(await TestTables.ScanAsync(_direct, _table));
    }
}
