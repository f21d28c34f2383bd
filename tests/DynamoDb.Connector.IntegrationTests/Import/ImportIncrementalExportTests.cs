using System.Globalization;
using System.Text;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Import;

/// <summary>
/// Issue 15, item 2: a native incremental export cut into splits applies the changes to one key by their
/// WriteTimestampMicros, whatever the order of its files, and a resumed run rebuilds what it knew. Against dynalite.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class ImportIncrementalExportTests : IAsyncLifetime
{
    private const string ExportId = "01700000000000-abcdef01";
    private readonly ImportTestContext _c;

    public ImportIncrementalExportTests(LocalServers servers) => _c = new ImportTestContext(servers, "incremental");

    public Task InitializeAsync() => _c.CreateTableAsync();

    public Task DisposeAsync() => _c.DisposeAsync().AsTask();

    private static string Key(int sk) => $"\"Keys\":{{\"pk\":{{\"S\":\"inc\"}},\"sk\":{{\"N\":\"{sk.ToString(CultureInfo.InvariantCulture)}\"}}}}";

    private static string Metadata(long micros) => $"\"Metadata\":{{\"WriteTimestampMicros\":{{\"N\":\"{micros.ToString(CultureInfo.InvariantCulture)}\"}}}}";

    private static string Put(int sk, string version, long micros) =>
        $"{{{Metadata(micros)},{Key(sk)},\"NewImage\":{{\"pk\":{{\"S\":\"inc\"}},\"sk\":{{\"N\":\"{sk.ToString(CultureInfo.InvariantCulture)}\"}},\"v\":{{\"S\":\"{version}\"}},\"pad\":{{\"S\":\"{new string('p', 60)}\"}}}}}}\n";

    private static string Delete(int sk, long micros) => $"{{{Metadata(micros)},{Key(sk)},\"OldImage\":{{\"pk\":{{\"S\":\"inc\"}},\"sk\":{{\"N\":\"{sk.ToString(CultureInfo.InvariantCulture)}\"}}}}}}\n";

    /// <summary>
    /// A native incremental export of 1,000 keys whose files are not in time order, as DynamoDB's are not: the first
    /// file deletes keys 0-499 (the latest changes), the second puts v1 of every key (older than those deletes), the third
    /// puts v0 of keys 500-999 (older still). Applied by timestamp: keys 0-499 are gone, 500-999 hold v1.
    /// </summary>
    private async Task<string> WriteExportAsync()
    {
        string root = _c.Temp.Combine("export") + "/";
        string folder = Path.Combine(root, "AWSDynamoDB", ExportId) + "/";
        Directory.CreateDirectory(folder + "data");
        var files = new (string Name, string Text, int Count)[]
        {
            ("deletes.json", string.Concat(Enumerable.Range(0, 500).Select(i => Delete(i, 3_000_000 + i))), 500),
            ("v1.json", string.Concat(Enumerable.Range(0, 1000).Select(i => Put(i, "v1", 2_000_000 + i))), 1000),
            ("v0.json", string.Concat(Enumerable.Range(500, 500).Select(i => Put(i, "v0", 1_000_000 + i))), 500),
        };
        var manifestFiles = new StringBuilder();
        foreach (var (name, text, count) in files)
        {
            await File.WriteAllTextAsync(folder + "data/" + name, text);
            manifestFiles.Append(CultureInfo.InvariantCulture, $"{{\"itemCount\":{count},\"md5Checksum\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"etag\":\"e\",\"dataFileS3Key\":\"backups/AWSDynamoDB/{ExportId}/data/{name}\"}}\n");
        }
        await File.WriteAllTextAsync(folder + "manifest-files.json", manifestFiles.ToString());
        await File.WriteAllTextAsync(folder + "manifest-summary.json",
            $"{{\"version\":\"2023-08-01\",\"exportType\":\"INCREMENTAL_EXPORT\",\"outputFormat\":\"DYNAMODB_JSON\",\"outputView\":\"NEW_AND_OLD_IMAGES\",\"s3Bucket\":\"bucket\",\"manifestFilesS3Key\":\"backups/AWSDynamoDB/{ExportId}/manifest-files.json\",\"itemCount\":2000}}");
        return root;
    }

    private ImportJobOptions Options(string source)
    {
        var options = ImportFixture.OptionsFor(_c.Table, source);
        options.Source.TargetSplitBytes = 64 * 1024; // every file cut into ranges
        options.Workers = 4;
        return options;
    }

    private async Task AssertAppliedByTimestampAsync()
    {
        var items = await TestTables.ScanAsync(_c.Client, _c.Table);
        Assert.Equal(Enumerable.Range(500, 500), items.Select(i => int.Parse(i["sk"].N, CultureInfo.InvariantCulture)).Order());
        Assert.All(items, i => Assert.Equal("v1", i["v"].S));
    }

    [Fact]
    public async Task Import_IncrementalExportCutIntoSplits_AppliesEachKeysChangesByTimestamp_DeletesStayDeleted()
    {
        string source = await WriteExportAsync();

        var result = await _c.Job.RunAsync(Options(source));

        Assert.Equal(ItemFileFormat.DynamoDbJsonIncremental, result.Plan.Format);
        Assert.Equal(ImportOrdering.ByWriteTimestamp, result.Plan.Ordering);
        Assert.True(result.Plan.Splits.Count >= 4, $"{result.Plan.Splits.Count} splits");
        Assert.Equal(2000, result.ItemsRead);
        Assert.Equal(500, result.ItemsDeleted);
        Assert.Equal(500, result.ItemsWritten);
        Assert.Equal(1000, result.ItemsSuperseded); // v1 of 0-499 (deleted later), v0 of 500-999 (v1 is newer)
        await AssertAppliedByTimestampAsync();
    }

    [Fact]
    public async Task Import_IncrementalExportResumedFromACheckpoint_RebuildsTheTimestampsItHadApplied()
    {
        string source = await WriteExportAsync();
        using var cancel = new CancellationTokenSource();
        var options = Options(source);
        options.CheckpointUri = _c.Temp.Combine("checkpoint");
        int applied = 0;
        options.Transform = record =>
        {
            // Past the deletes and v1 of keys 500-699: the rerun must still know both to skip v1 of 0-499 and v0 of 500-699.
            if (Interlocked.Increment(ref applied) == 700) cancel.Cancel();
            return [record];
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _c.Job.RunAsync(options, cancel.Token));
        options.Transform = null;
        var result = await _c.Job.RunAsync(options);

        Assert.True(result.SplitsSkipped >= 1, $"{result.SplitsSkipped} splits skipped");
        Assert.InRange(result.ItemsRead, 1, 2000 - 700);
        await AssertAppliedByTimestampAsync();
    }

    [Fact]
    public async Task RunSplit_OfAnIncrementalExportInOneSplit_AppliesByTimestamp_AndOneOfSeveralSplitsIsRefused()
    {
        string source = await WriteExportAsync();
        var format = _c.Services.GetRequiredService<ImportInputFormat>();
        var whole = await format.PlanAsync(new ImportSourceOptions { Source = source }); // 256 MiB: the three files in one split
        var cut = await format.PlanAsync(new ImportSourceOptions { Source = source, TargetSplitBytes = 64 * 1024 });
        Assert.Single(whole.Splits);

        var result = await _c.Job.RunSplitAsync(SplitDocument.Parse(whole.SplitToJson(0)), ImportFixture.OptionsFor(_c.Table, "(given by the split)"));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _c.Job.RunSplitAsync(SplitDocument.Parse(cut.SplitToJson(0)), ImportFixture.OptionsFor(_c.Table, "(given by the split)")));

        Assert.Equal(1000, result.ItemsSuperseded);
        await AssertAppliedByTimestampAsync();
        Assert.Contains("Import it in one process", error.Message, StringComparison.Ordinal);
    }
}
