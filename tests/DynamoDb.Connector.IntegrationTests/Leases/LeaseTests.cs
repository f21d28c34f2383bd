using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Checkpoints;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Uris;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Export;
using DynamoDb.Connector.IntegrationTests.Import;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.IntegrationTests.Leases;

/// <summary>
/// Two jobs on one checkpoint or one destination, on a local disk and in s3rver: the second refuses while the first
/// runs, a rerun after it works, and a lease left by a killed job is taken over once it has expired.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class LeaseTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ImportTestContext _c;

    public LeaseTests(LocalServers servers) => _c = new ImportTestContext(servers, "leases");

    public Task InitializeAsync() => _c.CreateTableAndBucketAsync();

    public Task DisposeAsync() => _c.DisposeAsync().AsTask();

    private async Task<bool> ExistsAsync(string uri) => await _c.Stores.For(uri).GetInfoAsync(uri) is not null;

    private async Task<(string Source, List<Dictionary<string, AttributeValue>> Items)> SourceAsync()
    {
        var items = TestTables.Plain(3, 40);
        string source = _c.Folder("source", s3: false);
        await ImportFixture.WriteFileAsync(_c.Stores.For(source), source + "items.json", ItemFileFormat.DataPipeline, CompressionKind.None, items);
        return (source, items);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Import_WithTheCheckpointOfARunningImport_Refuses_NamingTheHolderAndExpiry_AndARerunAfterItWorks(bool s3)
    {
        var (source, items) = await SourceAsync();
        string checkpoint = _c.Folder("checkpoint", s3);
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstOptions = ImportFixture.OptionsFor(_c.Table, source);
        firstOptions.CheckpointUri = checkpoint;
        firstOptions.Transform = record =>
        {
            reading.TrySetResult();
            release.Task.Wait(Patience); // the first import is busy while the second starts
            return [record];
        };
        var first = Task.Run(() => _c.Job.RunAsync(firstOptions));
        await reading.Task.WaitAsync(Patience);
        var secondOptions = ImportFixture.OptionsFor(_c.Table, source);
        secondOptions.CheckpointUri = checkpoint;

        var refused = await Assert.ThrowsAsync<LeaseHeldException>(() => _c.Job.RunAsync(secondOptions));

        Assert.Equal(checkpoint + JobLease.ImportLeaseName, refused.LeaseUri);
        Assert.StartsWith($"{Environment.MachineName} pid {Environment.ProcessId} (token ", refused.Holder, StringComparison.Ordinal);
        Assert.InRange(refused.ExpiresAt, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow + JobLease.Duration);
        Assert.Contains($"holds its lease {refused.LeaseUri} until {refused.ExpiresAt:u}", refused.Message, StringComparison.Ordinal);
        release.SetResult();
        var done = await first;
        Assert.Equal(items.Count, done.ItemsWritten);
        Assert.False(await ExistsAsync(checkpoint + JobLease.ImportLeaseName), "the first import left its lease");

        var rerun = await _c.Job.RunAsync(secondOptions);

        Assert.Equal(done.Plan.Splits.Count, rerun.SplitsSkipped);
        Assert.Equal(0, rerun.ItemsWritten);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, items);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Import_WithAnExpiredLeaseLeftByAKilledRun_TakesItOver_AndReleasesItAtTheEnd(bool s3)
    {
        var (source, items) = await SourceAsync();
        string checkpoint = _c.Folder("checkpoint", s3);
        string lease = checkpoint + JobLease.ImportLeaseName;
        await ImportFixture.WriteTextAsync(_c.Stores.For(lease), lease,
            """{"owner":"old-host pid 1","token":"0123456789abcdef0123456789abcdef","purpose":"import","acquiredAt":"2020-01-01T00:00:00Z","expiresAt":"2020-01-01T00:01:00Z"}""");
        var options = ImportFixture.OptionsFor(_c.Table, source);
        options.CheckpointUri = checkpoint;

        var result = await _c.Job.RunAsync(options);

        Assert.Equal(items.Count, result.ItemsWritten);
        Assert.False(await ExistsAsync(lease));
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, items);
    }

    [Fact]
    public async Task Import_WithALeaseNotYetExpiredWhoseProcessOnThisHostIsGone_TakesItOverAtOnce()
    {
        var (source, items) = await SourceAsync();
        string checkpoint = _c.Folder("checkpoint", s3: false);
        string lease = checkpoint + JobLease.ImportLeaseName;
        using var killed = System.Diagnostics.Process.Start("sleep", "0.3");
        var started = new DateTimeOffset(killed.StartTime.ToUniversalTime(), TimeSpan.Zero);
        await killed.WaitForExitAsync();
        var document = LeaseDocument.ForThisProcess("import", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)) with { ProcessId = killed.Id, ProcessStartedAt = started };
        await ImportFixture.WriteTextAsync(_c.Stores.For(lease), lease, System.Text.Json.JsonSerializer.Serialize(document, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)));
        var options = ImportFixture.OptionsFor(_c.Table, source);
        options.CheckpointUri = checkpoint;

        var result = await _c.Job.RunAsync(options);

        Assert.Equal(items.Count, result.ItemsWritten);
        Assert.False(await ExistsAsync(lease));
    }

    [Fact]
    public async Task Import_WithALiveLeaseOfAnotherHost_Refuses_AndWritesNothing()
    {
        var (source, _) = await SourceAsync();
        string checkpoint = _c.Folder("checkpoint", s3: false);
        string lease = checkpoint + JobLease.ImportLeaseName;
        var expiry = DateTimeOffset.UtcNow.AddMinutes(1);
        await ImportFixture.WriteTextAsync(_c.Stores.For(lease), lease,
            $$"""{"owner":"other-host pid 7","token":"fedcba9876543210fedcba9876543210","purpose":"import","acquiredAt":"{{DateTimeOffset.UtcNow:O}}","expiresAt":"{{expiry:O}}"}""");
        var options = ImportFixture.OptionsFor(_c.Table, source);
        options.CheckpointUri = checkpoint;

        var refused = await Assert.ThrowsAsync<LeaseHeldException>(() => _c.Job.RunAsync(options));

        Assert.Equal("other-host pid 7 (token fedcba98)", refused.Holder);
        Assert.Equal(expiry, refused.ExpiresAt);
        Assert.Empty(await TestTables.ScanAsync(_c.Client, _c.Table));
        Assert.False(await ExistsAsync(checkpoint + "plan.json"), "the refused import wrote a checkpoint");
    }

    [Fact]
    public async Task Import_CancelledWhileHoldingTheLease_ReleasesIt()
    {
        var (source, _) = await SourceAsync();
        string checkpoint = _c.Folder("checkpoint", s3: false);
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();
        var options = ImportFixture.OptionsFor(_c.Table, source);
        options.CheckpointUri = checkpoint;
        options.Transform = record =>
        {
            reading.TrySetResult();
            cancel.Token.WaitHandle.WaitOne(Patience);
            return [record];
        };
        var run = Task.Run(() => _c.Job.RunAsync(options, cancel.Token));
        await reading.Task.WaitAsync(Patience);
        Assert.True(await ExistsAsync(checkpoint + JobLease.ImportLeaseName));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.False(await ExistsAsync(checkpoint + JobLease.ImportLeaseName));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Export_IntoTheDestinationOfARunningExport_Refuses_AndARerunAfterItWorks(bool s3)
    {
        var items = TestTables.Plain(2, 30);
        string sourceTable = LocalServers.UniqueName("lease-export");
        await TestTables.CreateTableAsync(_c.Client, sourceTable, indexes: false);
        try
        {
            await TestTables.PutAllAsync(_c.Client, sourceTable, items);
            string destination = _c.Folder("export", s3);
            var gate = new PartGate();
            using var first = new ExportJob(_c.Client, TimeProvider.System, [gate.Wrap(new LocalFileObjectStore()), gate.Wrap(S3Store())]);
            var running = first.RunAsync(ExportFixture.OptionsFor(sourceTable, destination));
            await gate.Entered.Task.WaitAsync(Patience);
            using var second = ExportFixture.CreateJob(_c.Client, _c.S3);

            var refused = await Assert.ThrowsAsync<LeaseHeldException>(() => second.RunAsync(ExportFixture.OptionsFor(sourceTable, destination)));

            Assert.Equal(destination + JobLease.ExportLeaseName, refused.LeaseUri);
            Assert.StartsWith($"{Environment.MachineName} pid {Environment.ProcessId}", refused.Holder, StringComparison.Ordinal);
            gate.Release.SetResult();
            var done = await running;
            Assert.Equal(items.Count, done.ItemsExported);
            Assert.False(await ExistsAsync(destination + JobLease.ExportLeaseName), "the first export left its lease");

            var options = ExportFixture.OptionsFor(sourceTable, destination);
            options.Overwrite = true;
            var rerun = await second.RunAsync(options);

            Assert.Equal(items.Count, rerun.ItemsExported);
            var (exported, manifest) = await ExportFixture.ReadEmrExportAsync(_c.Stores.For(destination), rerun.ManifestUri, ItemFileFormat.DataPipeline);
            Assert.Equal(items.Count, exported.Count);
            var listed = manifest.Entries.Select(e => e.Url).ToHashSet();
            await foreach (var file in _c.Stores.For(destination).ListAsync(destination, recursive: true))
            {
                string name = ObjectUri.FileName(file.Uri);
                Assert.True(listed.Contains(file.Uri) || name == "manifest", $"{file.Uri} is in the destination but not in the manifest");
            }
        }
        finally
        {
            await _c.Client.DeleteTableAsync(sourceTable);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Lease_TakenBySeveralJobsAtOnce_NeverHasTwoHolders_OnDiskExactlyOne(bool s3)
    {
        string folder = _c.Folder("contended", s3);
        var attempts = Enumerable.Range(0, 6).Select(_ => Task.Run(() => JobLease.AcquireAsync(_c.Stores, folder, JobLease.ImportLeaseName, "test", TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, tracker: null, CancellationToken.None))).ToList();

        await Task.WhenAll(attempts.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default)));

        var holders = attempts.Where(a => a.IsCompletedSuccessfully).ToList();
        if (s3)
        {
            // Never two holders. s3rver (unlike S3) is not atomic for simultaneous PUTs of one key: it may keep one
            // writer's bytes with another's checksum, which every read-back then fails on, so none may hold it.
            Assert.InRange(holders.Count, 0, 1);
        }
        else
        {
            _ = Assert.Single(holders);
            Assert.All(attempts.Where(a => !a.IsCompletedSuccessfully), a => Assert.IsType<LeaseHeldException>(a.Exception?.InnerException));
        }
        foreach (var held in holders) await (await held).DisposeAsync();
        if (holders.Count > 0) Assert.False(await ExistsAsync(folder + JobLease.ImportLeaseName));
    }

    private S3ObjectStore S3Store() => new(_c.S3, Options.Create(new S3ObjectStoreOptions()));

    /// <summary>Holds the first part file's creation until released, so an export is surely running meanwhile.</summary>
    private sealed class PartGate
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IObjectStore Wrap(IObjectStore inner) => new GatedStore(inner, this);

        private sealed class GatedStore(IObjectStore inner, PartGate gate) : IObjectStore
        {
            public bool CanHandle(string uri) => inner.CanHandle(uri);

            public IAsyncEnumerable<ObjectInfo> ListAsync(string prefixUri, bool recursive, CancellationToken cancellationToken = default) => inner.ListAsync(prefixUri, recursive, cancellationToken);

            public Task<ObjectInfo?> GetInfoAsync(string uri, CancellationToken cancellationToken = default) => inner.GetInfoAsync(uri, cancellationToken);

            public Task<Stream> OpenReadAsync(string uri, long offset = 0, long? length = null, CancellationToken cancellationToken = default) => inner.OpenReadAsync(uri, offset, length, cancellationToken);

            public async Task<IObjectWriter> CreateAsync(string uri, CancellationToken cancellationToken = default)
            {
                if (Guid.TryParse(ObjectUri.FileName(uri).Split('.')[0], out _))
                {
                    gate.Entered.TrySetResult();
                    await gate.Release.Task.WaitAsync(Patience, cancellationToken);
                }
                return await inner.CreateAsync(uri, cancellationToken);
            }

            public Task RenameAsync(string fromUri, string toUri, CancellationToken cancellationToken = default) => inner.RenameAsync(fromUri, toUri, cancellationToken);

            public Task DeleteAsync(string uri, CancellationToken cancellationToken = default) => inner.DeleteAsync(uri, cancellationToken);
        }
    }
}
