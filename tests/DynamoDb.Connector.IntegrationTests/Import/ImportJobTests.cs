using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Formats.Uris;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Export;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Import;

/// <summary>The library's ImportJob end to end: files on disk and in s3rver, loaded into dynalite, compared item for item.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class ImportJobTests : IAsyncLifetime
{
    private readonly ImportTestContext _c;
    private string? _sourceTable;

    public ImportJobTests(LocalServers servers) => _c = new ImportTestContext(servers, "import");

    public Task InitializeAsync() => _c.CreateTableAndBucketAsync();

    public async Task DisposeAsync()
    {
        if (_sourceTable is not null) await _c.Client.DeleteTableAsync(_sourceTable);
        await _c.DisposeAsync();
    }

    private IObjectStore Store(string uri) => _c.Stores.For(uri);

    private static string Suffix(CompressionKind compression) => compression switch
    {
        CompressionKind.Gzip => ".gz",
        CompressionKind.Zstd => ".zst",
        _ => "",
    };

    public static TheoryData<ItemFileFormat, CompressionKind, bool> Formats() => new()
    {
        { ItemFileFormat.DataPipeline, CompressionKind.None, false },
        { ItemFileFormat.DataPipeline, CompressionKind.Gzip, true },
        { ItemFileFormat.DataPipeline, CompressionKind.Zstd, false },
        { ItemFileFormat.DynamoDbJson, CompressionKind.None, true },
        { ItemFileFormat.DynamoDbJson, CompressionKind.Gzip, false },
        { ItemFileFormat.DynamoDbJson, CompressionKind.Zstd, true },
        { ItemFileFormat.Csv, CompressionKind.None, false },
        { ItemFileFormat.Csv, CompressionKind.Gzip, true },
        { ItemFileFormat.Csv, CompressionKind.Zstd, false },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Import_EachFormatAndCompression_FromDiskOrS3_LoadsEveryItemExactly(ItemFileFormat format, CompressionKind compression, bool s3)
    {
        bool csv = format == ItemFileFormat.Csv;
        var items = csv ? TestTables.Plain(3, 10) : TestTables.EveryType();
        string folder = _c.Folder("source", s3);
        int half = items.Count / 2;
        await ImportFixture.WriteFileAsync(Store(folder), folder + "part-0" + Suffix(compression), format, compression, items.Take(half), csv ? ImportFixture.PlainCsv : null);
        await ImportFixture.WriteFileAsync(Store(folder), folder + "part-1" + Suffix(compression), format, compression, items.Skip(half), csv ? ImportFixture.PlainCsv : null);
        var expected = await CreateSourceTableAsync(items); // as DynamoDB stores them (it normalizes number text)
        var options = ImportFixture.OptionsFor(_c.Table, folder);
        options.Source.Csv = csv ? ImportFixture.PlainCsv : null;

        var result = await _c.Job.RunAsync(options);

        Assert.Equal(format, result.Plan.Format); // detected from the content
        Assert.Equal(ImportSourceKind.Listing, result.Plan.Kind);
        Assert.Equal(2, result.Plan.FileCount);
        Assert.Equal(items.Count, result.ItemsRead);
        Assert.Equal(items.Count, result.ItemsWritten);
        Assert.Equal(0, result.ItemsDeadLettered);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, expected);
    }

    [Theory]
    [InlineData(CompressionKind.None, false)]
    [InlineData(CompressionKind.Gzip, true)]
    public async Task Import_IncrementalExport_AppliesPutsAndDeletesInFileOrder(CompressionKind compression, bool s3)
    {
        var before = TestTables.Plain(2, 10);
        await TestTables.PutAllAsync(_c.Client, _c.Table, before);
        var table = before.ToDictionary(TestTables.KeyOf);
        var records = new List<ItemRecord>();
        void Put(Dictionary<string, AttributeValue> item)
        {
            records.Add(new ItemRecord(item, records.Count + 1));
            table[TestTables.KeyOf(item)] = item;
        }
        void Delete(string pk, int sk)
        {
            var key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = pk }, ["sk"] = new() { N = sk.ToString(CultureInfo.InvariantCulture) } };
            records.Add(new ItemRecord(key, records.Count + 1, RecordOperation.Delete));
            table.Remove(TestTables.KeyOf(key));
        }
        Dictionary<string, AttributeValue> Renamed(Dictionary<string, AttributeValue> item, string name) => new(item) { ["name"] = new() { S = name } };

        Delete("p0", 9); // put back at the end, more than a batch later: the later write wins
        foreach (var item in TestTables.Plain(3, 10).Where(i => i["pk"].S == "p2")) Put(item);
        foreach (var item in before.Where(i => i["pk"].S == "p0" && int.Parse(i["sk"].N, CultureInfo.InvariantCulture) < 5)) Put(Renamed(item, "updated"));
        for (int sk = 0; sk < 5; sk++) Delete("p1", sk);
        Put(new() { ["pk"] = new() { S = "p3" }, ["sk"] = new() { N = "0" }, ["name"] = new() { S = "short-lived" } });
        Delete("p3", 0);
        for (int sk = 0; sk < 30; sk++) Put(new() { ["pk"] = new() { S = "p4" }, ["sk"] = new() { N = sk.ToString(CultureInfo.InvariantCulture) } });
        Put(Renamed(before.Single(i => TestTables.KeyOf(i) == "p0|9"), "revived"));
        string file = _c.Folder("incremental", s3) + "changes.json" + Suffix(compression);
        await ImportFixture.WriteFileAsync(Store(file), file, ItemFileFormat.DynamoDbJsonIncremental, compression, records);

        var result = await _c.Job.RunAsync(ImportFixture.OptionsFor(_c.Table, file));

        Assert.Equal(ItemFileFormat.DynamoDbJsonIncremental, result.Plan.Format);
        Assert.Equal(ImportSourceKind.SingleFile, result.Plan.Kind);
        Assert.Equal(records.Count, result.ItemsRead);
        Assert.True(result.ItemsDeleted >= 6, $"{result.ItemsDeleted} deletes");
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, table.Values);
    }

    [Fact]
    public async Task Import_EmrManifestWithCountsAndHashes_VerifiesThem_AndReadsOnlyTheListedFiles()
    {
        var items = TestTables.EveryType();
        string folder = _c.Folder("emr", s3: true);
        var entries = new List<ExportManifestEntry>();
        foreach (var chunk in items.Chunk(15))
        {
            string uri = $"{folder}{Guid.NewGuid():D}.gz";
            var info = await ImportFixture.WriteFileAsync(Store(uri), uri, ItemFileFormat.DataPipeline, CompressionKind.Gzip, chunk);
            byte[] stored = await ImportFixture.ReadBytesAsync(Store(uri), uri);
            entries.Add(new ExportManifestEntry(uri) { ItemCount = chunk.Length, Bytes = info.Size, Sha256 = Convert.ToHexStringLower(SHA256.HashData(stored)) });
        }
        await ImportFixture.WriteFileAsync(Store(folder), folder + "not-listed.json", ItemFileFormat.DataPipeline, CompressionKind.None, TestTables.Plain(1, 3));
        await ImportFixture.WriteTextAsync(Store(folder), folder + ExportManifest.FileName, new ExportManifest(entries).ToString());
        var expected = await CreateSourceTableAsync(items);
        var options = ImportFixture.OptionsFor(_c.Table, folder);
        options.Source.Verify = true;

        var result = await _c.Job.RunAsync(options);

        Assert.Equal(ImportSourceKind.EmrManifest, result.Plan.Kind);
        Assert.True(result.Plan.Verified);
        Assert.Equal(40, result.Plan.ExpectedItems);
        Assert.Equal(entries.Select(e => e.Url), result.Plan.Splits.SelectMany(s => s.Files).Select(f => f.Uri));
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, expected);
    }

    [Fact]
    public async Task Import_EmrExportCopiedToAnotherBucket_ResolvesEntriesRelativeToTheManifest()
    {
        var items = TestTables.Plain(2, 10);
        string copied = _c.Folder("copied/export", s3: true);
        var entries = new List<ExportManifestEntry>();
        foreach (var chunk in items.Chunk(7))
        {
            string name = $"{Guid.NewGuid():D}";
            await ImportFixture.WriteFileAsync(Store(copied), copied + name, ItemFileFormat.DataPipeline, CompressionKind.None, chunk);
            entries.Add(new ExportManifestEntry($"s3://bucket-it-was-exported-to/backups/2024/{name}"));
        }
        string manifest = copied + ExportManifest.FileName;
        await ImportFixture.WriteTextAsync(Store(manifest), manifest, new ExportManifest(entries).ToString());

        var result = await _c.Job.RunAsync(ImportFixture.OptionsFor(_c.Table, manifest));

        Assert.Equal(ImportSourceKind.EmrManifest, result.Plan.Kind);
        Assert.False(result.Plan.Verified);
        Assert.All(result.Plan.Splits.SelectMany(s => s.Files), f => Assert.StartsWith(copied, f.Uri, StringComparison.Ordinal));
        Assert.Equal(3, result.Plan.FileCount);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, items);
    }

    [Fact]
    public async Task Import_NativeExportWithVerify_ChecksEveryFile_ThenLoadsEveryItem()
    {
        var expected = await CreateSourceTableAsync(TestTables.EveryType());
        var export = ExportFixture.OptionsFor(_sourceTable!, _c.Folder("native", s3: true));
        export.Layout = ExportLayout.Native;
        export.ItemsPerFile = 16;
        var exported = await _c.Services.GetRequiredService<ExportJob>().RunAsync(export);
        var options = ImportFixture.OptionsFor(_c.Table, _c.Folder("native", s3: true)); // the prefix: the export is found under AWSDynamoDB/<id>/
        options.Source.Verify = true;

        var result = await _c.Job.RunAsync(options);

        Assert.Equal(ImportSourceKind.NativeExport, result.Plan.Kind);
        Assert.True(result.Plan.Verified);
        Assert.Equal(ItemFileFormat.DynamoDbJson, result.Plan.Format);
        Assert.Equal(exported.Files, result.Plan.FileCount);
        Assert.Equal(40, result.Plan.ExpectedItems);
        Assert.Equal(40, result.ItemsWritten);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, expected);
    }

    [Fact]
    public async Task Import_NativeExportWithACorruptedFile_WritesNothing_AndNamesTheFileAndWhatDiffers()
    {
        await CreateSourceTableAsync(TestTables.EveryType());
        var export = ExportFixture.OptionsFor(_sourceTable!, _c.Folder("native", s3: false));
        export.Layout = ExportLayout.Native;
        export.ItemsPerFile = 16;
        var exported = await _c.Services.GetRequiredService<ExportJob>().RunAsync(export);
        string filesUri = ObjectUri.Combine(ObjectUri.Parent(exported.ManifestUri), NativeExport.FilesFileName);
        List<NativeExportDataFile> files;
        await using (var stream = await Store(filesUri).OpenReadAsync(filesUri)) files = await NativeExport.ReadFilesAsync(stream, filesUri).ToListAsync();
        NativeExportSummary summary;
        await using (var stream = await Store(exported.ManifestUri).OpenReadAsync(exported.ManifestUri)) summary = await NativeExport.ReadSummaryAsync(stream, exported.ManifestUri);
        var victim = files[1];
        string victimUri = summary.ResolveDataFileUri(victim.DataFileS3Key, ObjectUri.Parent(exported.ManifestUri));
        // A plausible corruption: the file still decompresses, but a line is gone.
        var lines = await ReadGzipLinesAsync(victimUri);
        byte[] corrupted = Gzip(string.Concat(lines.Skip(1).Select(l => l + "\n")));
        await ImportFixture.WriteBytesAsync(Store(victimUri), victimUri, corrupted);
        var options = ImportFixture.OptionsFor(_c.Table, exported.ManifestUri);
        options.Source.Verify = true;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _c.Job.RunAsync(options));

        string name = ObjectUri.FileName(victimUri);
        Assert.Contains($"{name}: md5: expected {victim.Md5Checksum}, found {Convert.ToBase64String(MD5.HashData(corrupted))}", error.Message);
        Assert.Contains($"{name}: itemCount: expected {victim.ItemCount}, found {victim.ItemCount - 1}", error.Message);
        Assert.Contains("itemCount (total): expected 40, found 39", error.Message);
        Assert.DoesNotContain(ObjectUri.FileName(files[0].DataFileS3Key), error.Message);
        Assert.Empty(await TestTables.ScanAsync(_c.Client, _c.Table));
    }

    [Fact]
    public async Task Import_VerifyOfASourceWithoutAManifest_IsRefused()
    {
        string file = _c.Folder("plain", s3: false) + "items.json";
        await ImportFixture.WriteFileAsync(Store(file), file, ItemFileFormat.DynamoDbJson, CompressionKind.None, TestTables.Plain(1, 3));
        var options = ImportFixture.OptionsFor(_c.Table, file);
        options.Source.Verify = true;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _c.Job.RunAsync(options));

        Assert.Contains("nothing to verify", error.Message);
        Assert.Empty(await TestTables.ScanAsync(_c.Client, _c.Table));
    }

    [Fact]
    public async Task Import_ManySmallFiles_AreGroupedIntoFewerSplits_AndEveryItemLands()
    {
        var items = TestTables.Plain(10, 9);
        string folder = _c.Folder("small", s3: true);
        int file = 0;
        foreach (var chunk in items.Chunk(3))
        {
            await ImportFixture.WriteFileAsync(Store(folder), $"{folder}part-{file++:D3}.json", ItemFileFormat.DynamoDbJson, CompressionKind.None, chunk);
        }
        var reports = new List<ImportProgress>();
        var options = ImportFixture.OptionsFor(_c.Table, folder);
        options.Progress = new SynchronousProgress<ImportProgress>(reports.Add);

        var result = await _c.Job.RunAsync(options);

        Assert.Equal(30, result.Plan.FileCount);
        Assert.Single(result.Plan.Splits);
        Assert.Equal(1, result.SplitsRun);
        Assert.Equal(90, result.ItemsRead);
        var last = reports[^1];
        Assert.Equal((90, 90, 1, 1), (last.ItemsRead, last.ItemsWritten, last.SplitsDone, last.SplitsTotal));
        Assert.Equal(last.TotalBytes, last.BytesRead);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, items);
    }

    [Fact]
    public async Task Import_BigUncompressedFile_IsCutIntoRanges_AndEveryLineIsReadExactlyOnce()
    {
        var items = ImportFixture.Padded(500, 5_000);
        string file = _c.Folder("big", s3: true) + "items.json";
        var info = await ImportFixture.WriteFileAsync(Store(file), file, ItemFileFormat.DataPipeline, CompressionKind.None, items);
        var options = ImportFixture.OptionsFor(_c.Table, file);
        options.Source.TargetSplitBytes = 1024 * 1024;

        var result = await _c.Job.RunAsync(options);

        Assert.Equal((int)((info.Size + options.Source.TargetSplitBytes - 1) / options.Source.TargetSplitBytes), result.Plan.Splits.Count);
        Assert.True(result.Plan.Splits.Count >= 3, $"{info.Size} bytes make {result.Plan.Splits.Count} splits");
        Assert.All(result.Plan.Splits, s => Assert.False(Assert.Single(s.Files).IsWholeFile));
        Assert.Equal(500, result.ItemsRead); // a line read by two ranges would count twice
        Assert.Equal(500, result.ItemsWritten);
        Assert.Equal(0, result.BadLines); // a range starting mid-line would read half a line
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, items);
    }

    [Fact]
    public async Task Import_BadLines_AreSetAsideWithFileLineAndRawText_AndEveryGoodItemLands()
    {
        var good = TestTables.Plain(2, 5);
        var goodLines = await DdbJsonLinesAsync(good);
        string[] bad =
        [
            """{"Item":{"pk":{"S":"x"},"sk":{"N":"not a number"}}}""",
            "this is not json at all",
            """{"Item":{"pk":{"S":"y"},"sk":{"N":"1"}""",
        ];
        const string NoSortKey = """{"Item":{"pk":{"S":"no-sort-key"}}}""";
        // Lines: 1-3 good, 4 bad, 5-6 good, 7 bad, 8 good, 9 no sort key, 10 bad, 11-13 good.
        string[] lines = [.. goodLines[..3], bad[0], .. goodLines[3..5], bad[1], goodLines[5], NoSortKey, bad[2], .. goodLines[6..]];
        string file = _c.Folder("bad", s3: false) + "items.json";
        await ImportFixture.WriteTextAsync(Store(file), file, string.Join("\n", lines) + "\n");
        string deadLetters = _c.Folder("dead-letters", s3: true);
        var options = ImportFixture.OptionsFor(_c.Table, file);
        options.Source.Format = ItemFileFormat.DynamoDbJson;
        options.DeadLetterUri = deadLetters;

        var result = await _c.Job.RunAsync(options);

        Assert.Equal(3, result.BadLines);
        Assert.Equal(4, result.ItemsDeadLettered);
        Assert.Equal(10, result.ItemsWritten);
        Assert.Equal(deadLetters, result.DeadLetterUri);
        var letters = await ImportFixture.ReadDeadLettersAsync(Store(deadLetters), deadLetters);
        Assert.Equal(4, letters.Count);
        var byLine = letters.ToDictionary(l => l.GetProperty("Error").GetProperty("line").GetInt64());
        Assert.Equal([4L, 7L, 9L, 10L], byLine.Keys.Order());
        foreach (var (line, text) in new[] { (4L, bad[0]), (7L, bad[1]), (10L, bad[2]) })
        {
            Assert.Equal(text, byLine[line].GetProperty("Line").GetString());
            Assert.EndsWith("bad/items.json", byLine[line].GetProperty("Error").GetProperty("source").GetString());
            Assert.False(string.IsNullOrEmpty(byLine[line].GetProperty("Error").GetProperty("reason").GetString()));
        }
        Assert.Equal("no-sort-key", byLine[9].GetProperty("Item").GetProperty("pk").GetProperty("S").GetString());
        Assert.EndsWith("bad/items.json", byLine[9].GetProperty("Error").GetProperty("source").GetString());
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, good);
    }

    [Fact]
    public async Task Import_CancelledPartWay_ResumesFromItsCheckpoint_SkippingFinishedSplits()
    {
        // Three files of about 560 KB: two never share a split of 1 MiB, so each is a split of its own.
        string folder = _c.Folder("resume", s3: false);
        var items = new List<Dictionary<string, AttributeValue>>();
        for (int f = 0; f < 3; f++)
        {
            var part = ImportFixture.Padded(110, 5_000, first: f * 110);
            items.AddRange(part);
            await ImportFixture.WriteFileAsync(Store(folder), $"{folder}part-{f}.json", ItemFileFormat.DataPipeline, CompressionKind.None, part);
        }
        using var cancel = new CancellationTokenSource();
        var options = ImportFixture.OptionsFor(_c.Table, folder);
        options.Source.TargetSplitBytes = 1024 * 1024;
        options.CheckpointUri = _c.Folder("checkpoint", s3: true);
        options.Workers = 1; // splits run in plan order
        options.Transform = record =>
        {
            if (int.Parse(record.Item["sk"].N, CultureInfo.InvariantCulture) >= 250) cancel.Cancel(); // well into the third split
            return [record];
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _c.Job.RunAsync(options, cancel.Token));

        Assert.True((await TestTables.ScanAsync(_c.Client, _c.Table)).Count < 330, "the first run stopped part way");
        options.Transform = null;
        var result = await _c.Job.RunAsync(options);

        Assert.Equal(3, result.Plan.Splits.Count);
        Assert.Equal(2, result.SplitsSkipped);
        Assert.Equal(1, result.SplitsRun);
        Assert.InRange(result.ItemsRead, 1, 110);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, items);
    }

    [Fact]
    public async Task Import_WithTheCheckpointOfAnotherPlan_IsRefused()
    {
        string folder = _c.Folder("plans", s3: false);
        await ImportFixture.WriteFileAsync(Store(folder), folder + "a.json", ItemFileFormat.DynamoDbJson, CompressionKind.None, TestTables.Plain(1, 4));
        await ImportFixture.WriteFileAsync(Store(folder), folder + "b.json", ItemFileFormat.DynamoDbJson, CompressionKind.None, TestTables.Plain(3, 4).Skip(4));
        string checkpoint = _c.Folder("checkpoint", s3: false);
        var first = ImportFixture.OptionsFor(_c.Table, folder + "a.json");
        first.CheckpointUri = checkpoint;
        await _c.Job.RunAsync(first);
        var second = ImportFixture.OptionsFor(_c.Table, folder + "b.json");
        second.CheckpointUri = checkpoint;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _c.Job.RunAsync(second));

        Assert.Contains("belongs to another import", error.Message);
        Assert.Contains("a.json", error.Message);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, TestTables.Plain(1, 4));
    }

    [Fact]
    public async Task Import_Transform_DropsAndFansOutRecords_CalledOncePerRecord()
    {
        var items = TestTables.Plain(3, 10);
        string file = _c.Folder("transform", s3: true) + "items.json.gz";
        await ImportFixture.WriteFileAsync(Store(file), file, ItemFileFormat.DataPipeline, CompressionKind.Gzip, items);
        int calls = 0;
        static IEnumerable<ItemRecord> Fan(ItemRecord record)
        {
            int sk = int.Parse(record.Item["sk"].N, CultureInfo.InvariantCulture);
            if (sk % 3 == 0) yield break;
            yield return record;
            if (sk % 3 == 1) yield return new ItemRecord(new(record.Item) { ["pk"] = new() { S = record.Item["pk"].S + "#copy" } }, record.Line);
        }
        var options = ImportFixture.OptionsFor(_c.Table, file);
        options.Transform = record =>
        {
            Interlocked.Increment(ref calls);
            return Fan(record);
        };

        var result = await _c.Job.RunAsync(options);

        var kept = items.Where(i => int.Parse(i["sk"].N, CultureInfo.InvariantCulture) % 3 != 0).ToList();
        var copies = kept.Where(i => int.Parse(i["sk"].N, CultureInfo.InvariantCulture) % 3 == 1).Select(i => new Dictionary<string, AttributeValue>(i) { ["pk"] = new() { S = i["pk"].S + "#copy" } });
        Assert.Equal(30, calls);
        Assert.Equal(30, result.ItemsRead);
        Assert.Equal(12, result.ItemsFiltered);
        Assert.Equal(27, result.ItemsWritten);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, kept.Concat(copies));
    }

    [Fact]
    public async Task Import_WithAShuffleWindow_WritesEveryItem()
    {
        var items = TestTables.Plain(5, 20);
        string folder = _c.Folder("shuffle", s3: false);
        await ImportFixture.WriteFileAsync(Store(folder), folder + "a.json", ItemFileFormat.DynamoDbJson, CompressionKind.None, items.Take(60));
        await ImportFixture.WriteFileAsync(Store(folder), folder + "b.json.zst", ItemFileFormat.DynamoDbJson, CompressionKind.Zstd, items.Skip(60));
        var options = ImportFixture.OptionsFor(_c.Table, folder);
        options.ShuffleWindow = 16;

        var result = await _c.Job.RunAsync(options);

        Assert.Equal(100, result.ItemsWritten);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, items);
    }

    [Fact]
    public async Task Import_IncrementalExportWithAShuffleWindow_IsRefused_BeforeWritingAnything()
    {
        string file = _c.Folder("incremental", s3: false) + "changes.json";
        var put = new ItemRecord(TestTables.Plain(1, 1)[0], 1);
        var delete = new ItemRecord(new() { ["pk"] = put.Item["pk"], ["sk"] = put.Item["sk"] }, 2, RecordOperation.Delete);
        await ImportFixture.WriteFileAsync(Store(file), file, ItemFileFormat.DynamoDbJsonIncremental, CompressionKind.None, [put, delete]);
        var options = ImportFixture.OptionsFor(_c.Table, file);
        options.ShuffleWindow = 4;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => _c.Job.RunAsync(options));

        Assert.Contains("cannot be shuffled", error.Message);
        Assert.Empty(await TestTables.ScanAsync(_c.Client, _c.Table));
    }

    [Fact]
    public async Task RunSplit_EachSplitOfAPlanRunAlone_TogetherLoadEveryItem()
    {
        var items = ImportFixture.Padded(300, 5_000);
        string file = _c.Folder("fan-out", s3: true) + "items.json";
        await ImportFixture.WriteFileAsync(Store(file), file, ItemFileFormat.DataPipeline, CompressionKind.None, items);
        var source = new ImportSourceOptions { Source = file, TargetSplitBytes = 1024 * 1024 };
        var plan = await _c.Services.GetRequiredService<ImportInputFormat>().PlanAsync(source);
        Assert.Equal(2, plan.Splits.Count); // about 1.5 MB: two ranges
        long read = 0;

        foreach (int index in Enumerable.Range(0, plan.Splits.Count))
        {
            // As another process would: from the split's JSON alone, with its share of the budget and the plan's checkpoint.
            var document = SplitDocument.Parse(plan.SplitToJson(index));
            var options = ImportFixture.OptionsFor(_c.Table, "(given by the split)");
            options.Writer.Throughput.ProcessShare = 1.0 / plan.Splits.Count;
            options.CheckpointUri = _c.Folder("fan-out-checkpoint", s3: true);
            var result = await _c.Job.RunSplitAsync(document, options);
            Assert.Equal(1, result.SplitsRun);
            read += result.ItemsRead;
        }

        Assert.Equal(300, read);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, items);
    }

    [Fact]
    public async Task Import_IntoAMissingTable_FailsAtOnce_NamingTheTable()
    {
        // The source does not exist either: the table is checked first, before anything is read.
        var options = ImportFixture.OptionsFor("no-such-table", _c.Folder("nowhere", s3: false));

        var error = await Assert.ThrowsAsync<TableDoesNotExistException>(() => _c.Job.RunAsync(options));

        Assert.Contains("'no-such-table' does not exist", error.Message);
    }

    public static TheoryData<ItemFileFormat, CompressionKind, bool> RoundTrips() => new()
    {
        { ItemFileFormat.DataPipeline, CompressionKind.None, true },
        { ItemFileFormat.DataPipeline, CompressionKind.Gzip, false },
        { ItemFileFormat.DynamoDbJson, CompressionKind.Zstd, true },
        { ItemFileFormat.DynamoDbJson, CompressionKind.None, false },
    };

    /// <summary>Issue #5: what our export writes, our import reads back into a new table unchanged.</summary>
    [Theory]
    [MemberData(nameof(RoundTrips))]
    public async Task ExportThenImport_IntoANewTable_GivesIdenticalItems_ForEveryAttributeType(ItemFileFormat format, CompressionKind compression, bool s3)
    {
        var expected = await CreateSourceTableAsync(TestTables.EveryType());
        string destination = _c.Folder("round-trip", s3);
        var export = ExportFixture.OptionsFor(_sourceTable!, destination);
        export.Format = format;
        export.Compression = compression;
        export.ItemsPerFile = 15;
        export.TotalSegments = 2;
        await _c.Services.GetRequiredService<ExportJob>().RunAsync(export);
        var options = ImportFixture.OptionsFor(_c.Table, destination);
        options.Source.Verify = true; // our EMR manifest carries counts, sizes and SHA-256

        var result = await _c.Job.RunAsync(options);

        Assert.Equal(ImportSourceKind.EmrManifest, result.Plan.Kind);
        Assert.Equal(format, result.Plan.Format);
        Assert.Equal(40, result.ItemsWritten);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, expected);
    }

    /// <summary>Creates the export tests' table as a source, fills it, and returns what DynamoDB holds.</summary>
    private async Task<List<Dictionary<string, AttributeValue>>> CreateSourceTableAsync(List<Dictionary<string, AttributeValue>> items)
    {
        _sourceTable = LocalServers.UniqueName("source");
        await TestTables.CreateTableAsync(_c.Client, _sourceTable);
        await TestTables.PutAllAsync(_c.Client, _sourceTable, items);
        return await TestTables.ScanAsync(_c.Client, _sourceTable);
    }

    /// <summary>The lines the ddb-json writer makes of <paramref name="items"/>.</summary>
    private static async Task<string[]> DdbJsonLinesAsync(IEnumerable<Dictionary<string, AttributeValue>> items)
    {
        using var buffer = new MemoryStream();
        await using (var writer = ItemFiles.OpenWriter(buffer, ItemFileFormat.DynamoDbJson, new ItemWriterOptions { LeaveOpen = true }))
        {
            foreach (var item in items) await writer.WriteAsync(new ItemRecord(item, 0));
            await writer.CompleteAsync();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private async Task<List<string>> ReadGzipLinesAsync(string uri)
    {
        await using var gzip = new GZipStream(new MemoryStream(await ImportFixture.ReadBytesAsync(Store(uri), uri)), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return [.. (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }
}
