using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Import;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Sources;

/// <summary>
/// Hostile and broken manifests against the real servers: entries that leave the source, missing or optional files,
/// counts that do not match, manifests that are not JSON. Each either lands every good item or writes nothing.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class ManifestSourceTests : IAsyncLifetime
{
    private readonly ImportTestContext _c;
    private readonly string _otherBucket = LocalServers.UniqueName("elsewhere");

    public ManifestSourceTests(LocalServers servers) => _c = new ImportTestContext(servers, "sources");

    public async Task InitializeAsync()
    {
        await _c.CreateTableAndBucketAsync();
        await _c.S3.PutBucketAsync(_otherBucket);
    }

    public Task DisposeAsync() => _c.DisposeAsync().AsTask();

    private string Local(string path) => _c.Temp.Combine(path);

    private Task WriteItemsAsync(string uri, IEnumerable<Dictionary<string, AttributeValue>> items) =>
        ImportFixture.WriteFileAsync(_c.Stores.For(uri), uri, ItemFileFormat.DataPipeline, CompressionKind.None, items);

    private Task WriteTextAsync(string uri, string text) => ImportFixture.WriteTextAsync(_c.Stores.For(uri), uri, text);

    private Task WriteManifestAsync(string uri, params ExportManifestEntry[] entries) => WriteTextAsync(uri, new ExportManifest(entries).ToString());

    private ImportJobOptions Options(string source, string? deadLetters = null)
    {
        var options = ImportFixture.OptionsFor(_c.Table, source);
        options.DeadLetterUri = deadLetters;
        return options;
    }

    private async Task AssertNothingWrittenAsync(string? deadLetters = null)
    {
        Assert.Empty(await TestTables.ScanAsync(_c.Client, _c.Table));
        if (deadLetters is not null) Assert.False(Directory.Exists(deadLetters), $"{deadLetters} was created");
    }

    [Fact]
    public async Task Import_OfALocalManifestEntryClimbingToEtcPasswd_IsRefusedBeforeAnythingIsReadOrWritten()
    {
        string export = Local("a/b/export/");
        await WriteItemsAsync(export + "part.json", TestTables.Plain(1, 3));
        string passwd = string.Concat(Enumerable.Repeat("../", 12)) + "etc/passwd";
        string manifest = export + ExportManifest.FileName;
        await WriteManifestAsync(manifest, new ExportManifestEntry("part.json"), new ExportManifestEntry(passwd));
        string deadLetters = Local("rejects");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _c.Job.RunAsync(Options(export, deadLetters)));

        Assert.StartsWith($"{manifest}: entry 2 ({passwd}) resolves to ", error.Message, StringComparison.Ordinal);
        Assert.Contains("which is /etc/passwd, outside ", error.Message, StringComparison.Ordinal);
        Assert.Contains("Entries must stay inside the source", error.Message, StringComparison.Ordinal);
        Assert.Contains("--allow-outside-source", error.Message, StringComparison.Ordinal);
        await AssertNothingWrittenAsync(deadLetters);
    }

    [Fact]
    public async Task Import_OfALocalManifestEntryInASiblingFolder_IsRefused_AndReadWhenAllowed()
    {
        var inside = TestTables.Plain(1, 4);
        var outside = TestTables.Plain(2, 3).Skip(3).ToList();
        string export = Local("export/");
        await WriteItemsAsync(export + "part.json", inside);
        await WriteItemsAsync(Local("outside/secret.json"), outside);
        string manifest = export + ExportManifest.FileName;
        await WriteManifestAsync(manifest, new ExportManifestEntry(export + "part.json"), new ExportManifestEntry(export + "../outside/secret.json"));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _c.Job.RunAsync(Options(manifest)));
        Assert.StartsWith($"{manifest}: entry 2 ({export}../outside/secret.json) resolves to ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"which is {Local("outside/secret.json")}, outside {export}", error.Message, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();

        var allowed = Options(manifest);
        allowed.Source.AllowEntriesOutsideSource = true;
        var result = await _c.Job.RunAsync(allowed);

        Assert.Equal(7, result.ItemsWritten);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, [.. inside, .. outside]);
    }

    [Fact]
    public async Task Import_OfALocalManifestEntryThatIsASymbolicLinkToAFileOutside_IsRefused()
    {
        string export = Local("export/");
        await WriteItemsAsync(Local("outside/secret.json"), TestTables.Plain(1, 2));
        Directory.CreateDirectory(export);
        File.CreateSymbolicLink(export + "link.json", Local("outside/secret.json"));
        string manifest = export + ExportManifest.FileName;
        await WriteManifestAsync(manifest, new ExportManifestEntry(export + "link.json"));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _c.Job.RunAsync(Options(manifest)));

        Assert.Contains($"a symbolic link to {Local("outside/secret.json")}, outside {export}", error.Message, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Import_OfAnAbsoluteLocalEntryElsewhere_ReadAsWritten_IsRefused()
    {
        string export = Local("export/");
        string elsewhere = Local("elsewhere/items.json");
        await WriteItemsAsync(elsewhere, TestTables.Plain(1, 2));
        string manifest = export + ExportManifest.FileName;
        await WriteManifestAsync(manifest, new ExportManifestEntry(elsewhere));
        var options = Options(manifest);
        options.Source.ManifestUrls = ManifestUrlResolution.AsWritten;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _c.Job.RunAsync(options));

        Assert.StartsWith($"{manifest}: entry 1 ({elsewhere}) resolves to {elsewhere}, which is {elsewhere}, outside {export}", error.Message, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Import_OfAnS3ManifestListingAnotherBucketOrALocalFile_IsRefused_AndReadWhenAllowed()
    {
        var items = TestTables.Plain(1, 5);
        string foreign = $"s3://{_otherBucket}/data/items.json";
        await WriteItemsAsync(foreign, items);
        string manifest = $"s3://{_c.Bucket}/export/{ExportManifest.FileName}";
        await WriteManifestAsync(manifest, new ExportManifestEntry(foreign));
        var options = Options(manifest);
        options.Source.ManifestUrls = ManifestUrlResolution.AsWritten;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _c.Job.RunAsync(options));
        Assert.StartsWith($"{manifest}: entry 1 ({foreign}) resolves to {foreign}, in bucket {_otherBucket}, not the manifest's bucket {_c.Bucket}", error.Message, StringComparison.Ordinal);

        string local = Local("local.json");
        await WriteItemsAsync(local, items);
        await WriteManifestAsync(manifest, new ExportManifestEntry("file://" + local));
        error = await Assert.ThrowsAsync<InvalidDataException>(() => _c.Job.RunAsync(options));
        Assert.Contains("a local file, while the manifest is in S3", error.Message, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();

        await WriteManifestAsync(manifest, new ExportManifestEntry(foreign));
        options.Source.AllowEntriesOutsideSource = true;
        var result = await _c.Job.RunAsync(options);
        Assert.Equal(5, result.ItemsWritten);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, items);
    }

    [Fact]
    public async Task Import_OfANativeExportWhoseDataFileKeyClimbsOutOfTheExport_IsRefused()
    {
        string root = Local("native/");
        await ImportFixture.WriteBytesAsync(_c.Stores.For(root), root + "AWSDynamoDB/other/data/x.json.gz", Gzip("{\"Item\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}}\n"));
        string export = root + "AWSDynamoDB/01234567890123-abcdef01/";
        await WriteTextAsync(export + NativeExport.SummaryFileName,
            "{\"version\":\"2020-06-30\",\"manifestFilesS3Key\":\"AWSDynamoDB/01234567890123-abcdef01/manifest-files.json\",\"itemCount\":1,\"outputFormat\":\"DYNAMODB_JSON\"}");
        await WriteTextAsync(export + NativeExport.FilesFileName,
            "{\"itemCount\":1,\"md5Checksum\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"etag\":\"e\",\"dataFileS3Key\":\"AWSDynamoDB/other/data/x.json.gz\"}\n");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _c.Job.RunAsync(Options(export)));

        Assert.StartsWith($"{export}{NativeExport.FilesFileName}: line 1 (AWSDynamoDB/other/data/x.json.gz) resolves to ", error.Message, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Import_OfAManifestEntryForAMissingFile_FailsNamingIt_AndWritesNothing()
    {
        string export = Local("export/");
        await WriteItemsAsync(export + "a.json", TestTables.Plain(1, 3));
        string manifest = export + ExportManifest.FileName;
        await WriteManifestAsync(manifest, new ExportManifestEntry(export + "a.json"), new ExportManifestEntry(export + "gone.json"));

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => _c.Job.RunAsync(Options(export)));

        Assert.StartsWith($"{manifest} lists {export}gone.json, which does not exist", error.Message, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Import_OfAMissingEntryMarkedNotMandatory_SkipsItWithAWarning_AndLandsTheRest()
    {
        var items = TestTables.Plain(2, 3);
        string export = Local("export/");
        await WriteItemsAsync(export + "a.json", items);
        string manifest = export + ExportManifest.FileName;
        await WriteManifestAsync(manifest, new ExportManifestEntry(export + "a.json"), new ExportManifestEntry(export + "optional.json", Mandatory: false));

        var result = await _c.Job.RunAsync(Options(export));

        Assert.Equal(1, result.Plan.FileCount);
        var warning = Assert.Single(result.Plan.Warnings);
        Assert.Equal($"{manifest} lists {export}optional.json as not mandatory, and it does not exist: skipped.", warning);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, items);
    }

    [Fact]
    public async Task Import_WithVerify_OfAManifestWhoseCountIsWrong_WritesNothing_AndNamesTheFile()
    {
        string export = $"s3://{_c.Bucket}/counted/";
        string file = export + "a.json";
        await WriteItemsAsync(file, TestTables.Plain(1, 4));
        var info = await _c.Stores.For(file).GetInfoAsync(file);
        byte[] stored = await ImportFixture.ReadBytesAsync(_c.Stores.For(file), file);
        await WriteManifestAsync(export + ExportManifest.FileName, new ExportManifestEntry(file) { ItemCount = 5, Bytes = info!.Size, Sha256 = Convert.ToHexStringLower(SHA256.HashData(stored)) });
        var options = Options(export);
        options.Source.Verify = true;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _c.Job.RunAsync(options));

        Assert.Contains("a.json: itemCount: expected 5, found 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was imported", error.Message, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Import_OfAManifestThatIsNotJson_NamesTheFileAndTheLine_AndWritesNothing()
    {
        string export = Local("export/");
        await WriteItemsAsync(export + "a.json", TestTables.Plain(1, 3));
        string manifest = export + ExportManifest.FileName;
        await WriteTextAsync(manifest, "{\"name\":\"DynamoDB-export\",\"version\":3,\n\"entries\": [\n{\"url\":\"a.json\",\"mandatory\":true}\nthis is not json\n]}");

        var error = await Assert.ThrowsAsync<FormatException>(() => _c.Job.RunAsync(Options(export)));

        Assert.StartsWith($"{manifest}: not a valid export manifest (line 4, column 1): ", error.Message, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }
}
