using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Checkpoints;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Tests.Export;

public sealed class ExportOutputTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("export-");
    private readonly RecordingStore _store = new(new LocalFileObjectStore());

    private string Destination => _directory.FullName + "/";

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [InlineData(CompressionKind.None, "")]
    [InlineData(CompressionKind.Gzip, ".gz")]
    [InlineData(CompressionKind.Zstd, ".zst")]
    public async Task CreatePart_Commit_RecordsCountsAndChecksumsOfTheStoredBytes(CompressionKind compression, string extension)
    {
        var output = Emr(compression);

        var info = await WritePartAsync(output, 3);

        Assert.Matches($@"^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}{Regex(extension)}$", info.Name);
        Assert.Equal(Destination + info.Name, info.Url);
        byte[] stored = await File.ReadAllBytesAsync(info.Url);
        Assert.Equal(stored.Length, info.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stored)), info.Sha256);
        Assert.Equal(Convert.ToBase64String(MD5.HashData(stored)), info.Md5);
        Assert.Equal(3, info.ItemCount);
        Assert.Equal(compression, StreamCompression.Detect(stored));
        Assert.Equal(["0", "1", "2"], (await ReadItemsAsync(info.Url, ItemFileFormat.DataPipeline)).Select(i => i["pk"].S));
    }

    [Fact]
    public async Task CreatePart_DisposedWithoutCommit_LeavesNothingVisible()
    {
        var output = Emr(CompressionKind.Gzip);

        await using (var part = await output.CreatePartAsync(CancellationToken.None))
        {
            await part.WriteAsync(Item(1), CancellationToken.None);
        }

        Assert.Empty(_directory.GetFiles("*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Commit_AddsThePartToFiles_AndAPartOfAnotherOutput_IsRefused()
    {
        var output = Emr(CompressionKind.None);
        var native = Open(ExportLayout.Native, CompressionKind.Gzip, "00000000000001-00000000");
        var foreign = await native.CreatePartAsync();
        await foreign.WriteAsync(Item(1));

        var committed = await WritePartAsync(output, 2);

        Assert.Equal([committed], output.Files);
        Assert.Throws<ArgumentException>(() => output.CommitAsync(foreign).GetAwaiter().GetResult());
        await foreign.DisposeAsync();
        Assert.Empty(native.Files);
    }

    [Fact]
    public async Task WriteManifest_Emr_ListsExactlyTheFilesWithCountsBytesAndSha256_ByteForByte()
    {
        var output = Emr(CompressionKind.None);
        var first = await WritePartAsync(output, 2);
        var second = await WritePartAsync(output, 5);

        await output.WriteManifestAsync([second, first], CancellationToken.None);

        string text = await File.ReadAllTextAsync(output.ManifestUri);
        var ordered = new[] { first, second }.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var expected = new ExportManifest(ordered.Select(f => new ExportManifestEntry(f.Url) { ItemCount = f.ItemCount, Bytes = f.Bytes, Sha256 = f.Sha256 }));
        Assert.Equal(expected.ToString(), text);
        Assert.StartsWith("{\"name\":\"DynamoDB-export\",\"version\":3,\n\"entries\": [\n{\"url\":\"", text);
        await using var stream = File.OpenRead(output.ManifestUri);
        var manifest = await ExportManifest.ReadAsync(stream, output.ManifestUri);
        Assert.Equal(ordered.Select(f => f.Url), manifest.Entries.Select(e => e.Url));
        Assert.Equal([ordered[0].ItemCount, ordered[1].ItemCount], manifest.Entries.Select(e => e.ItemCount!.Value));
        var verification = await ManifestVerifier.VerifyAsync(manifest, OpenRead);
        Assert.True(verification.IsValid, string.Join("; ", verification.Mismatches));
        Assert.Equal(7, verification.TotalItems);
    }

    [Fact]
    public async Task Clean_DeletesUnrecordedPartsAndTemporaryFiles_KeepsRecordedAndForeignFiles()
    {
        var output = Emr(CompressionKind.Gzip);
        var kept = await WritePartAsync(output, 1);
        var orphan = await WritePartAsync(output, 1);
        string foreign = Path.Combine(_directory.FullName, "notes.txt");
        await File.WriteAllTextAsync(foreign, "mine");
        string temp = Path.Combine(_directory.FullName, $".{Guid.NewGuid():D}.gz.tmp-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(temp, "half");
        string otherTemp = Path.Combine(_directory.FullName, $".notes.txt.tmp-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(otherTemp, "not ours");

        int deleted = await output.CleanAsync([kept], CancellationToken.None);

        Assert.Equal(2, deleted);
        Assert.True(File.Exists(kept.Url));
        Assert.False(File.Exists(orphan.Url));
        Assert.False(File.Exists(temp));
        Assert.True(File.Exists(foreign));
        Assert.True(File.Exists(otherTemp));
    }

    [Fact]
    public async Task Clean_RecordedFileMissing_IsRefused()
    {
        var output = Emr(CompressionKind.None);
        var part = await WritePartAsync(output, 1);
        File.Delete(part.Url);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => output.CleanAsync([part], CancellationToken.None));

        Assert.Contains(part.Name, error.Message);
        Assert.Contains("Delete the checkpoint", error.Message);
    }

    [Fact]
    public async Task Native_WritesStartedDataFilesAndManifests_SummaryLast_ReadableByTheNativeReaders()
    {
        string id = ExportManifestOutputFormat.NewExportId(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        Assert.Matches(@"^\d{14}-[0-9a-f]{8}$", id);
        var output = Open(ExportLayout.Native, CompressionKind.Gzip, id);
        await output.WriteStartedAsync(CancellationToken.None);
        var first = await WritePartAsync(output, 4);
        var second = await WritePartAsync(output, 1);

        await output.WriteManifestAsync([first, second], CancellationToken.None);

        string exportDirectory = Path.Combine(_directory.FullName, "AWSDynamoDB", id);
        Assert.Equal(output.ExportDirectory, exportDirectory + "/");
        Assert.Equal(0, new FileInfo(Path.Combine(exportDirectory, "_started")).Length);
        Assert.Matches(@"^[0-9a-f]{32}\.json\.gz$", first.Name);
        Assert.Equal(Path.Combine(exportDirectory, "data", first.Name), first.Url);
        Assert.Equal(Path.Combine(exportDirectory, "manifest-summary.json"), _store.Committed[^1]);

        await using var summaryStream = File.OpenRead(output.ManifestUri);
        var summary = await NativeExport.ReadSummaryAsync(summaryStream, output.ManifestUri);
        Assert.Equal(NativeExportSummary.FullExportVersion, summary.Version);
        Assert.Equal(5, summary.ItemCount);
        Assert.Equal("DYNAMODB_JSON", summary.OutputFormat);
        Assert.Equal($"arn:aws:dynamodb:us-east-1:123456789012:table/items/export/{id}", summary.ExportArn);
        Assert.Equal($"AWSDynamoDB/{id}/manifest-files.json", summary.ManifestFilesS3Key);
        Assert.Null(summary.S3Bucket);

        await using var filesStream = File.OpenRead(Path.Combine(exportDirectory, "manifest-files.json"));
        var files = await NativeExport.ReadFilesAsync(filesStream, "manifest-files.json").ToListAsync();
        Assert.Equal(2, files.Count);
        foreach (var file in files)
        {
            string uri = summary.ResolveDataFileUri(file.DataFileS3Key, exportDirectory);
            byte[] bytes = await File.ReadAllBytesAsync(uri);
            Assert.Equal(Convert.ToBase64String(MD5.HashData(bytes)), file.Md5Checksum);
            Assert.Equal(file.ItemCount, (await ReadItemsAsync(uri, ItemFileFormat.DynamoDbJson)).Count);
        }
        var verification = await ManifestVerifier.VerifyAsync(summary, files, exportDirectory, OpenRead);
        Assert.True(verification.IsValid, string.Join("; ", verification.Mismatches));
        string checksum = await File.ReadAllTextAsync(Path.Combine(exportDirectory, "manifest-summary.checksum"));
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(await File.ReadAllBytesAsync(output.ManifestUri))), checksum);
    }

    [Fact]
    public async Task Native_CleanDeletesEverythingUnrecordedInItsDataFolder()
    {
        var output = Open(ExportLayout.Native, CompressionKind.Gzip, "00000000000001-00000000");
        var kept = await WritePartAsync(output, 1);
        var orphan = await WritePartAsync(output, 1);

        Assert.Equal(1, await output.CleanAsync([kept], CancellationToken.None));
        Assert.False(File.Exists(orphan.Url));
        Assert.True(File.Exists(kept.Url));
    }

    [Fact]
    public async Task AbsoluteDestination_MakesRelativePathsAbsoluteAndDirectories()
    {
        Assert.Equal(Path.GetFullPath("out") + "/", ExportManifestOutputFormat.AbsoluteDestination("out"));
        Assert.Equal("s3://b/p/", ExportManifestOutputFormat.AbsoluteDestination("s3a://b/p"));
        Assert.Equal("file:///tmp/x/", ExportManifestOutputFormat.AbsoluteDestination("file:///tmp/x"));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Checkpoint_RoundTripsPositionsWithKeys_AndEachSplitsLatestRecordWins()
    {
        var checkpoint = new ExportCheckpoint(new CheckpointStore(_store, _directory.FullName + "/_checkpoint"));
        var plan = ExportPlanner.Plan(new TableInputOptions { TableName = "items", TotalSegments = 3 }, ExportPlannerTests.Table(), 100);
        await checkpoint.WriteJobAsync(new ExportCheckpointJob
        {
            Plan = plan, Destination = Destination, Layout = ExportLayout.Emr, Format = ItemFileFormat.DataPipeline, Compression = CompressionKind.Gzip, StartTime = DateTimeOffset.UnixEpoch,
        }, CancellationToken.None);
        var key = new Dictionary<string, AttributeValue> { ["pk"] = new AttributeValue { N = "12345678901234567890123456789012345678" }, ["sk"] = new AttributeValue { B = new MemoryStream([0, 1, 255]) } };
        var file = new ExportPartFile("a", Destination + "a", 10, 100, new string('0', 64), "AAAA", null);
        var early = TableSplitPosition.Start(0).Next(key, 10, 10);
        await checkpoint.RecordAsync(new ExportSplitRecord { Position = early, Files = [file] }, CancellationToken.None);
        await checkpoint.RecordAsync(new ExportSplitRecord { Position = TableSplitPosition.Start(1).Next(key, 5, 0) }, CancellationToken.None);
        await checkpoint.RecordAsync(new ExportSplitRecord { Position = early.Next(null, 3, 0), Files = [file] }, CancellationToken.None);

        var state = await checkpoint.LoadAsync(CancellationToken.None);

        Assert.True(state.Job!.Plan.ReadsSameAs(plan));
        Assert.Equal(file, Assert.Single(state.Files));
        var zero = state.PositionOf(0);
        Assert.True(zero.Done);
        Assert.Equal(2, zero.Pages);
        Assert.Equal(13, zero.ItemsScanned);
        var one = state.PositionOf(1);
        Assert.False(one.Done);
        Assert.Null(ItemComparer.Difference(key, one.LastEvaluatedKey));
        Assert.Equal(TableSplitPosition.Start(2), state.PositionOf(2));

        await checkpoint.DeleteAsync(CancellationToken.None);
        Assert.Empty(_directory.GetFiles("*.json", SearchOption.AllDirectories));
        Assert.Null((await checkpoint.LoadAsync(CancellationToken.None)).Job);
    }

    [Fact]
    public async Task Checkpoint_RecordCutShort_IsDiscarded_SoItsSplitIsReadAgain()
    {
        string root = _directory.FullName + "/_checkpoint";
        var checkpoint = new ExportCheckpoint(new CheckpointStore(_store, root));
        var plan = ExportPlanner.Plan(new TableInputOptions { TableName = "items", TotalSegments = 2 }, ExportPlannerTests.Table(), 100);
        await checkpoint.WriteJobAsync(new ExportCheckpointJob
        {
            Plan = plan, Destination = Destination, Layout = ExportLayout.Emr, Format = ItemFileFormat.DataPipeline, Compression = CompressionKind.None, StartTime = DateTimeOffset.UnixEpoch,
        }, CancellationToken.None);
        var file = new ExportPartFile("a", Destination + "a", 1, 1, new string('0', 64), "AAAA", null);
        await checkpoint.RecordAsync(new ExportSplitRecord { Position = TableSplitPosition.Start(0).Next(null, 1, 1), Files = [file] }, CancellationToken.None);
        string broken = Path.Combine(root, "splits", "000001.json");
        await File.WriteAllTextAsync(broken, "{\"position\":{\"id\":");

        var state = await checkpoint.LoadAsync(CancellationToken.None);

        Assert.Equal(file, Assert.Single(state.Files));
        Assert.Equal(1, state.UnreadableRecords);
        Assert.Equal(TableSplitPosition.Start(1), state.PositionOf(1));
        Assert.False(File.Exists(broken));
    }

    [Fact]
    public async Task Checkpoint_OnAHostsStore_NeedsNoListing()
    {
        var store = new DictionaryCheckpointStore();
        var checkpoint = new ExportCheckpoint(store);
        var plan = ExportPlanner.Plan(new TableInputOptions { TableName = "items", TotalSegments = 2 }, ExportPlannerTests.Table(), 100);
        await checkpoint.WriteJobAsync(new ExportCheckpointJob
        {
            Plan = plan, Destination = Destination, Layout = ExportLayout.Emr, Format = ItemFileFormat.DataPipeline, Compression = CompressionKind.None, StartTime = DateTimeOffset.UnixEpoch,
        }, CancellationToken.None);
        await checkpoint.RecordAsync(new ExportSplitRecord { Position = TableSplitPosition.Start(1).Next(null, 4, 4) }, CancellationToken.None);

        var state = await checkpoint.LoadAsync(CancellationToken.None);
        Assert.True(state.PositionOf(1).Done);
        Assert.Equal(["export", "splits/000001"], store.Documents.Keys.Order(StringComparer.Ordinal));

        await checkpoint.DeleteAsync(CancellationToken.None);
        Assert.Empty(store.Documents);
    }

    /// <summary>A host's checkpoint store: documents in memory, no listing.</summary>
    private sealed class DictionaryCheckpointStore : Checkpoints.ICheckpointStore
    {
        public System.Collections.Concurrent.ConcurrentDictionary<string, string> Documents { get; } = new();

        public string Location => "memory";

        public Task<string?> ReadAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(Documents.GetValueOrDefault(name));

        public Task WriteAsync(string name, string json, CancellationToken cancellationToken = default)
        {
            Documents[name] = json;
            return Task.CompletedTask;
        }

        public Task DeleteAsync(string name, CancellationToken cancellationToken = default)
        {
            Documents.TryRemove(name, out _);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public void TableSplitPosition_Next_EmptyLastEvaluatedKeyMeansDone()
    {
        var position = TableSplitPosition.Start(4).Next([], 2, 1);

        Assert.True(position.Done);
        Assert.Null(position.LastEvaluatedKey);
        Assert.Equal(1, position.Pages);
    }

    private ExportOutput Emr(CompressionKind compression) => Open(ExportLayout.Emr, compression, null);

    private ExportOutput Open(ExportLayout layout, CompressionKind compression, string? exportId) =>
        new ExportManifestOutputFormat([_store], TimeProvider.System).Open(new ExportOutputOptions
        {
            Destination = Destination,
            Layout = layout,
            Compression = compression,
            ExportId = exportId,
            TableArn = "arn:aws:dynamodb:us-east-1:123456789012:table/items",
            TableId = "5c3a1f7e-0b8a-4c6e-9f1d-2a7b3c4d5e6f",
            StartTime = DateTimeOffset.UnixEpoch,
        });

    private static async Task<ExportPartFile> WritePartAsync(ExportOutput output, int items)
    {
        var part = await output.CreatePartAsync(CancellationToken.None);
        for (int i = 0; i < items; i++) await part.WriteAsync(Item(i), CancellationToken.None);
        return await output.CommitAsync(part, CancellationToken.None);
    }

    internal static async Task<List<Dictionary<string, AttributeValue>>> ReadItemsAsync(string path, ItemFileFormat format)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        await using var reader = ItemFiles.OpenReader(File.OpenRead(path), format);
        while (await reader.ReadAsync() is { } record) items.Add(record.Item);
        return items;
    }

    private static Dictionary<string, AttributeValue> Item(int i) => new()
    {
        ["pk"] = new AttributeValue { S = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        ["text"] = new AttributeValue { S = "ü€\n" },
    };

    private static Task<Stream> OpenRead(string uri, CancellationToken cancellationToken) => Task.FromResult<Stream>(File.OpenRead(uri));

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    /// <summary>The local store, remembering the order objects were committed in.</summary>
    private sealed class RecordingStore(IObjectStore inner) : IObjectStore
    {
        public List<string> Committed { get; } = [];

        public bool CanHandle(string uri) => inner.CanHandle(uri);

        public IAsyncEnumerable<ObjectInfo> ListAsync(string prefixUri, bool recursive, CancellationToken cancellationToken = default) => inner.ListAsync(prefixUri, recursive, cancellationToken);

        public Task<ObjectInfo?> GetInfoAsync(string uri, CancellationToken cancellationToken = default) => inner.GetInfoAsync(uri, cancellationToken);

        public Task<Stream> OpenReadAsync(string uri, long offset = 0, long? length = null, CancellationToken cancellationToken = default) => inner.OpenReadAsync(uri, offset, length, cancellationToken);

        public async Task<IObjectWriter> CreateAsync(string uri, CancellationToken cancellationToken = default) => new Writer(this, uri, await inner.CreateAsync(uri, cancellationToken));

        public Task RenameAsync(string fromUri, string toUri, CancellationToken cancellationToken = default) => inner.RenameAsync(fromUri, toUri, cancellationToken);

        public Task DeleteAsync(string uri, CancellationToken cancellationToken = default) => inner.DeleteAsync(uri, cancellationToken);

        private sealed class Writer(RecordingStore owner, string uri, IObjectWriter inner) : IObjectWriter
        {
            public Stream Stream => inner.Stream;

            public async Task<long> CommitAsync(CancellationToken cancellationToken = default)
            {
                long size = await inner.CommitAsync(cancellationToken);
                lock (owner.Committed) owner.Committed.Add(uri);
                return size;
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
