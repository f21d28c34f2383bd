using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.IntegrationTests.Export;

[Collection(LocalServersCollection.Name)]
public sealed class ExportJobTests : IAsyncLifetime
{
    private readonly RecordingHandler _handler = new();
    private readonly AmazonDynamoDBClient _client;
    private readonly AmazonS3Client _s3;
    private readonly ExportJob _job;
    private readonly string _table = LocalServers.UniqueName("export");
    private readonly string _bucket = LocalServers.UniqueName("export");
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("export-");
    private readonly LocalFileObjectStore _local = new();
    private readonly S3ObjectStore _s3Store;

    public ExportJobTests(LocalServers servers)
    {
        _client = ExportFixture.CreateClient(servers, _handler);
        _s3 = servers.CreateS3Client();
        _s3Store = new S3ObjectStore(_s3, Options.Create(new S3ObjectStoreOptions()));
        _job = ExportFixture.CreateJob(_client, _s3);
    }

    private string LocalDestination => _directory.FullName + "/out/";

    public async Task InitializeAsync()
    {
        await TestTables.CreateTableAsync(_client, _table);
        await _s3.PutBucketAsync(_bucket);
    }

    public async Task DisposeAsync()
    {
        _job.Dispose();
        await _client.DeleteTableAsync(_table);
        _client.Dispose();
        _s3.Dispose();
        _directory.Delete(recursive: true);
    }

    public static TheoryData<ItemFileFormat, CompressionKind, bool> Formats() => new()
    {
        { ItemFileFormat.DataPipeline, CompressionKind.None, false },
        { ItemFileFormat.DataPipeline, CompressionKind.Gzip, true },
        { ItemFileFormat.DynamoDbJson, CompressionKind.Zstd, false },
        { ItemFileFormat.DynamoDbJson, CompressionKind.Gzip, true },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Export_EveryAttributeType_ReadsBackIdenticalToTheTable(ItemFileFormat format, CompressionKind compression, bool toS3)
    {
        await TestTables.PutAllAsync(_client, _table, TestTables.EveryType());
        var expected = await TestTables.ScanAsync(_client, _table);
        string destination = toS3 ? $"s3://{_bucket}/every-type/" : LocalDestination;
        var options = ExportFixture.OptionsFor(_table, destination);
        options.Format = format;
        options.Compression = compression;
        options.ItemsPerFile = 15;
        options.TotalSegments = 3;
        var reports = new List<ExportProgress>();

        var result = await _job.RunAsync(options, new SynchronousProgress<ExportProgress>(reports.Add));

        var store = toS3 ? (IObjectStore)_s3Store : _local;
        var (items, manifest) = await ExportFixture.ReadEmrExportAsync(store, result.ManifestUri, format);
        Assert.Equal(40, result.ItemsExported);
        Assert.Equal(40, items.Count);
        var byKey = items.ToDictionary(TestTables.KeyOf);
        foreach (var item in expected)
        {
            Assert.Null(ItemComparer.Difference(item, byKey[TestTables.KeyOf(item)]));
        }
        Assert.Equal(result.Files, manifest.Entries.Count);
        Assert.All(manifest.Entries, e => Assert.Equal(compression, StreamCompression.FromFileName(e.Url)));
        Assert.All(manifest.Entries, e => Assert.InRange(e.ItemCount!.Value, 1, 15));
        var verification = await ManifestVerifier.VerifyAsync(manifest, (uri, ct) => store.OpenReadAsync(uri, cancellationToken: ct));
        Assert.True(verification.IsValid, string.Join("; ", verification.Mismatches));
        Assert.Equal(3, result.Splits);
        Assert.False(result.Resumed);
        Assert.Equal(1, reports[^1].Fraction);
        Assert.Equal(40, reports[^1].ItemsExported);
    }

    [Fact]
    public async Task Export_Manifest_ListsExactlyTheCommittedFiles_AndNothingElseIsLeft()
    {
        await TestTables.PutAllAsync(_client, _table, TestTables.Plain(5, 10));
        var options = ExportFixture.OptionsFor(_table, LocalDestination);
        options.ItemsPerFile = 7;
        options.TotalSegments = 4;
        options.Compression = CompressionKind.Gzip;

        var result = await _job.RunAsync(options);

        var (items, manifest) = await ExportFixture.ReadEmrExportAsync(_local, result.ManifestUri, ItemFileFormat.DataPipeline);
        var listed = new List<string>();
        await foreach (var info in _local.ListAsync(LocalDestination, recursive: true)) listed.Add(info.Uri);
        Assert.Equal(manifest.Entries.Select(e => e.Url).Append(result.ManifestUri).Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.Equal(result.DataFiles.Select(f => f.Url), manifest.Entries.Select(e => e.Url));
        Assert.Equal(50, items.Select(TestTables.KeyOf).Distinct().Count());
        Assert.Equal(50, items.Count);
        Assert.Equal(result.Bytes, manifest.Entries.Sum(e => e.Bytes!.Value));
        Assert.True(result.Files >= 8, $"50 items in 4 segments at 7 per file make at least 8 files, not {result.Files}");
    }

    [Fact]
    public async Task Export_KeyConditionOnTable_GlobalIndex_LocalIndex_AndInList_ReturnExactlyTheMatchingItems()
    {
        var all = TestTables.Plain(4, 12);
        await TestTables.PutAllAsync(_client, _table, all);

        var onTable = await ExportAsync("table", o =>
        {
            o.KeyConditionExpression = "pk = :p AND sk BETWEEN :lo AND :hi";
            o.ExpressionAttributeValues = new() { [":p"] = S("p1"), [":lo"] = N("3"), [":hi"] = N("7") };
        });
        Assert.Equal(Keys(all.Where(i => i["pk"].S == "p1" && int.Parse(i["sk"].N) is >= 3 and <= 7)), Keys(onTable));

        var onGlobal = await ExportAsync("gsi", o =>
        {
            o.IndexName = "byCategory";
            o.KeyConditionExpression = "category = :c AND sk > :s";
            o.ExpressionAttributeValues = new() { [":c"] = S("c2"), [":s"] = N("5") };
        });
        Assert.Equal(Keys(all.Where(i => i["category"].S == "c2" && int.Parse(i["sk"].N) > 5)), Keys(onGlobal));

        var onLocal = await ExportAsync("lsi", o =>
        {
            o.IndexName = "byPrice";
            o.ConsistentRead = true;
            o.KeyConditionExpression = "#p = :p AND price < :max";
            o.ExpressionAttributeNames = new() { ["#p"] = "pk" };
            o.ExpressionAttributeValues = new() { [":p"] = S("p2"), [":max"] = N("52") };
        });
        Assert.Equal(Keys(all.Where(i => i["pk"].S == "p2" && int.Parse(i["price"].N) < 52)), Keys(onLocal));

        var inList = await ExportAsync("in", o =>
        {
            o.KeyConditionExpression = "pk IN (:a, :b, :a) AND sk >= :s";
            o.ExpressionAttributeValues = new() { [":a"] = S("p0"), [":b"] = S("p3"), [":s"] = N("10") };
        });
        Assert.Equal(Keys(all.Where(i => i["pk"].S is "p0" or "p3" && int.Parse(i["sk"].N) >= 10)), Keys(inList));
        var queries = _handler.BodiesOf("Query").Where(b => b.GetProperty("KeyConditionExpression").GetString()!.Contains("sk >= :s")).ToList();
        Assert.Equal(["pk = :a AND sk >= :s", "pk = :b AND sk >= :s"], queries.Select(q => q.GetProperty("KeyConditionExpression").GetString()).Distinct().Order());
        Assert.All(queries, q => Assert.Equal(2, q.GetProperty("ExpressionAttributeValues").EnumerateObject().Count()));
    }

    [Fact]
    public async Task Export_FilterAndProjection_AreSentToDynamoDb_AndGiveTheRightItems()
    {
        var all = TestTables.Plain(3, 10);
        await TestTables.PutAllAsync(_client, _table, all);
        var options = ExportFixture.OptionsFor(_table, LocalDestination);
        options.TotalSegments = 2;
        options.FilterExpression = "#size >= :min AND category <> :c";
        options.ProjectionExpression = "pk, sk, #name, #size";
        options.ExpressionAttributeNames = new() { ["#size"] = "size", ["#name"] = "name" };
        options.ExpressionAttributeValues = new() { [":min"] = N("3"), [":c"] = S("c0") };

        var result = await _job.RunAsync(options);

        var scans = _handler.BodiesOf("Scan").ToList();
        Assert.NotEmpty(scans);
        Assert.All(scans, scan =>
        {
            Assert.Equal("#size >= :min AND category <> :c", scan.GetProperty("FilterExpression").GetString());
            Assert.Equal("pk, sk, #name, #size", scan.GetProperty("ProjectionExpression").GetString());
            Assert.Equal("size", scan.GetProperty("ExpressionAttributeNames").GetProperty("#size").GetString());
            Assert.Equal("3", scan.GetProperty("ExpressionAttributeValues").GetProperty(":min").GetProperty("N").GetString());
            Assert.Equal(2, scan.GetProperty("TotalSegments").GetInt32());
            Assert.Equal("TOTAL", scan.GetProperty("ReturnConsumedCapacity").GetString());
            Assert.False(scan.TryGetProperty("ConsistentRead", out var consistent) && consistent.GetBoolean());
        });
        var (items, _) = await ExportFixture.ReadEmrExportAsync(_local, result.ManifestUri, ItemFileFormat.DataPipeline);
        var expected = all.Where(i => int.Parse(i["size"].N) >= 3 && i["category"].S != "c0").ToList();
        Assert.Equal(Keys(expected), Keys(items));
        Assert.All(items, i => Assert.Equal(["name", "pk", "size", "sk"], i.Keys.Order()));
        Assert.Equal(30, result.ItemsScanned);
    }

    [Fact]
    public async Task Export_Cancelled_LeavesNoManifest_AndARerunCompletesItWithoutDuplicates()
    {
        await TestTables.PutAllAsync(_client, _table, TestTables.Plain(6, 10));
        var options = ExportFixture.OptionsFor(_table, $"s3://{_bucket}/resume/");
        options.ItemsPerFile = 4;
        options.TotalSegments = 3;
        options.MaxWorkers = 2;
        options.Compression = CompressionKind.Gzip;
        using var cancel = new CancellationTokenSource();
        _handler.Intercept = (operation, earlier) =>
        {
            if (operation == "Scan" && earlier == 6) cancel.Cancel();
            return null;
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _job.RunAsync(options, cancellationToken: cancel.Token));

        Assert.Null(await _s3Store.GetInfoAsync($"s3://{_bucket}/resume/manifest"));
        var committed = await ListAsync($"s3://{_bucket}/resume/");
        Assert.Contains(committed, uri => uri.Contains("/_checkpoint/export.json", StringComparison.Ordinal));
        int partsBefore = committed.Count(uri => !uri.Contains("_checkpoint", StringComparison.Ordinal));
        Assert.True(partsBefore > 0, "some part files were committed before the cancellation");
        // A part file committed but never recorded (a kill between the two): the rerun must delete it.
        string orphan = $"s3://{_bucket}/resume/{Guid.NewGuid():D}.gz";
        await using (var writer = await _s3Store.CreateAsync(orphan)) { await writer.Stream.WriteAsync(new byte[] { 1 }); await writer.CommitAsync(); }
        _handler.Intercept = null;

        var result = await _job.RunAsync(options);

        Assert.True(result.Resumed);
        Assert.True(result.ItemsFromEarlierRuns > 0);
        var (items, manifest) = await ExportFixture.ReadEmrExportAsync(_s3Store, result.ManifestUri, ItemFileFormat.DataPipeline);
        Assert.Equal(60, items.Count);
        Assert.Equal(60, items.Select(TestTables.KeyOf).Distinct().Count());
        Assert.Equal(60, result.ItemsExported);
        Assert.Null(await _s3Store.GetInfoAsync(orphan));
        var after = await ListAsync($"s3://{_bucket}/resume/");
        Assert.Equal(manifest.Entries.Select(e => e.Url).Append(result.ManifestUri).Order(StringComparer.Ordinal), after.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Export_Faulted_LeavesNoManifest_AndARerunResumesFromTheCheckpoint()
    {
        await TestTables.PutAllAsync(_client, _table, TestTables.Plain(4, 10));
        var options = ExportFixture.OptionsFor(_table, LocalDestination);
        options.ItemsPerFile = 5;
        options.TotalSegments = 2;
        options.MaxWorkers = 1;
        _handler.Intercept = (operation, earlier) => operation == "Scan" && earlier == 5
            ? RecordingHandler.Error(HttpStatusCode.BadRequest, "AccessDeniedException", "not allowed to read this table")
            : null;

        var error = await Assert.ThrowsAsync<ExportException>(() => _job.RunAsync(options));

        Assert.Contains("not allowed to read this table", error.Message);
        Assert.Contains("resume", error.Message);
        Assert.False(File.Exists(LocalDestination + "manifest"));
        int scansBefore = _handler.BodiesOf("Scan").Count();
        _handler.Intercept = null;

        var result = await _job.RunAsync(options);

        Assert.True(result.Resumed);
        // Pages are cut to the room left in a file, so files are committed full: whole files of 5 came before the fault.
        Assert.True(result.ItemsFromEarlierRuns is > 0 and < 40 && result.ItemsFromEarlierRuns % 5 == 0, $"{result.ItemsFromEarlierRuns} items from the first run");
        Assert.Equal(40 - result.ItemsFromEarlierRuns, result.ItemsScanned);
        var (items, _) = await ExportFixture.ReadEmrExportAsync(_local, result.ManifestUri, ItemFileFormat.DataPipeline);
        Assert.Equal(40, items.Select(TestTables.KeyOf).Distinct().Count());
        Assert.Equal(40, items.Count);
        Assert.True(_handler.BodiesOf("Scan").Skip(scansBefore).Any(scan => scan.TryGetProperty("ExclusiveStartKey", out _)), "the rerun starts after the last committed page");
    }

    [Fact]
    public async Task Export_ToADestinationHoldingACompleteExport_IsRefused_UnlessOverwrite()
    {
        await TestTables.PutAllAsync(_client, _table, TestTables.Plain(1, 5));
        var options = ExportFixture.OptionsFor(_table, LocalDestination);
        var first = await _job.RunAsync(options);

        var error = await Assert.ThrowsAsync<ExportDestinationCompleteException>(() => _job.RunAsync(options));
        Assert.Contains("already holds a complete export", error.Message);

        options.Overwrite = true;
        var second = await _job.RunAsync(options);

        Assert.Equal(5, second.ItemsExported);
        Assert.All(first.DataFiles, f => Assert.False(File.Exists(f.Url)));
        Assert.All(second.DataFiles, f => Assert.True(File.Exists(f.Url)));
    }

    [Fact]
    public async Task Export_CheckpointOfAnotherExport_IsRefused()
    {
        await TestTables.PutAllAsync(_client, _table, TestTables.Plain(2, 10));
        var options = ExportFixture.OptionsFor(_table, LocalDestination);
        options.TotalSegments = 2;
        options.ItemsPerFile = 3;
        _handler.Intercept = (operation, earlier) => operation == "Scan" && earlier == 3
            ? RecordingHandler.Error(HttpStatusCode.BadRequest, "AccessDeniedException", "stop")
            : null;
        await Assert.ThrowsAsync<ExportException>(() => _job.RunAsync(options));
        _handler.Intercept = null;

        options.TotalSegments = 5;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _job.RunAsync(options));

        Assert.Contains("belongs to a different export (2 segments, not 5)", error.Message);
    }

    [Fact]
    public async Task Export_NativeLayoutToS3_IsVerifiableByItsManifests()
    {
        await TestTables.PutAllAsync(_client, _table, TestTables.EveryType());
        var options = ExportFixture.OptionsFor(_table, $"s3://{_bucket}/native");
        options.Layout = ExportLayout.Native;
        options.ItemsPerFile = 16;

        var result = await _job.RunAsync(options);

        Assert.Matches($@"^s3://{_bucket}/native/AWSDynamoDB/\d{{14}}-[0-9a-f]{{8}}/manifest-summary\.json$", result.ManifestUri);
        NativeExportSummary summary;
        await using (var stream = await _s3Store.OpenReadAsync(result.ManifestUri)) summary = await NativeExport.ReadSummaryAsync(stream, result.ManifestUri);
        Assert.Equal(_bucket, summary.S3Bucket);
        Assert.Equal("native", summary.S3Prefix);
        Assert.Equal(40, summary.ItemCount);
        string filesUri = $"s3://{_bucket}/{summary.ManifestFilesS3Key}";
        List<NativeExportDataFile> files;
        await using (var stream = await _s3Store.OpenReadAsync(filesUri)) files = await NativeExport.ReadFilesAsync(stream, filesUri).ToListAsync();
        Assert.Equal(result.Files, files.Count);
        Assert.Equal(40, files.Sum(f => f.ItemCount));
        Assert.All(files, f => Assert.InRange(f.ItemCount, 1, 16));
        var verification = await ManifestVerifier.VerifyAsync(summary, files, null, (uri, ct) => _s3Store.OpenReadAsync(uri, cancellationToken: ct));
        Assert.True(verification.IsValid, string.Join("; ", verification.Mismatches));
        Assert.NotNull(await _s3Store.GetInfoAsync(result.ManifestUri.Replace("manifest-summary.json", "_started")));
        var items = new List<Dictionary<string, AttributeValue>>();
        foreach (var file in files)
        {
            await using var reader = ItemFiles.OpenReader(await _s3Store.OpenReadAsync(summary.ResolveDataFileUri(file.DataFileS3Key)), ItemFileFormat.DynamoDbJson);
            while (await reader.ReadAsync() is { } record) items.Add(record.Item);
        }
        var expected = await TestTables.ScanAsync(_client, _table);
        var byKey = items.ToDictionary(TestTables.KeyOf);
        Assert.All(expected, item => Assert.Null(ItemComparer.Difference(item, byKey[TestTables.KeyOf(item)])));
    }

    [Fact]
    public async Task Plan_DerivesSegmentsFromTheBudget_WithoutReadingItems()
    {
        var options = ExportFixture.OptionsFor(_table, LocalDestination);
        options.Throughput.ReadUnitsPerSecond = 1234;

        var plan = await _job.PlanAsync(options);

        Assert.Equal(12, plan.TotalSegments);
        Assert.Empty(_handler.BodiesOf("Scan"));
    }

    private async Task<List<Dictionary<string, AttributeValue>>> ExportAsync(string name, Action<ExportOptions> configure)
    {
        var options = ExportFixture.OptionsFor(_table, LocalDestination + name + "/");
        configure(options);
        var result = await _job.RunAsync(options);
        return (await ExportFixture.ReadEmrExportAsync(_local, result.ManifestUri, ItemFileFormat.DataPipeline)).Items;
    }

    private async Task<List<string>> ListAsync(string prefix)
    {
        var uris = new List<string>();
        await foreach (var info in _s3Store.ListAsync(prefix, recursive: true)) uris.Add(info.Uri);
        return uris;
    }

    private static List<string> Keys(IEnumerable<Dictionary<string, AttributeValue>> items) => [.. items.Select(TestTables.KeyOf).Order(StringComparer.Ordinal)];

    private static AttributeValue S(string value) => new() { S = value };

    private static AttributeValue N(string value) => new() { N = value };
}
