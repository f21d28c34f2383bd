using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Import;

/// <summary>
/// Issue 12, item 6: a native incremental export's lines carry <c>Keys</c> and <c>Metadata</c>, as DynamoDB writes every
/// one, so a line without them (or whose <c>Keys</c> disagree with <c>NewImage</c>) is set aside naming its file, line
/// and what is missing; this tool's own ddb-json-incremental files (convert output, the dead letters of deletes) have no
/// manifest and import as before. Against dynalite and s3rver.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class NativeIncrementalLinesTests : IAsyncLifetime
{
    private const string ExportId = "01700000000000-feedbeef";
    private readonly ImportTestContext _c;

    public NativeIncrementalLinesTests(LocalServers servers) => _c = new ImportTestContext(servers, "native-lines");

    public Task InitializeAsync() => _c.CreateTableAsync();

    public Task DisposeAsync() => _c.DisposeAsync().AsTask();

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Key(string pk, int sk) => $"{{\"pk\":{{\"S\":\"{pk}\"}},\"sk\":{{\"N\":\"{N(sk)}\"}}}}";

    private static string Image(string pk, int sk, string v) => $"{{\"pk\":{{\"S\":\"{pk}\"}},\"sk\":{{\"N\":\"{N(sk)}\"}},\"v\":{{\"S\":\"{v}\"}}}}";

    private static string Metadata(long micros) => $"\"Metadata\":{{\"WriteTimestampMicros\":{{\"N\":\"{N(micros)}\"}}}}";

    private static string Put(string pk, int sk, string v, long micros) => $"{{{Metadata(micros)},\"Keys\":{Key(pk, sk)},\"NewImage\":{Image(pk, sk, v)}}}";

    private static string Delete(string pk, int sk, long micros) => $"{{{Metadata(micros)},\"Keys\":{Key(pk, sk)},\"OldImage\":{Image(pk, sk, "old")}}}";

    /// <summary>A good put (line 1), four lines DynamoDB never writes (2-5), a good delete of an item the table holds (6).</summary>
    private static readonly string[] FlawedLines =
    [
        Put("a", 1, "v1", 100),
        $"{{\"Keys\":{Key("b", 2)},\"NewImage\":{Image("b", 2, "v1")}}}",
        $"{{\"Metadata\":{{}},\"Keys\":{Key("c", 3)},\"NewImage\":{Image("c", 3, "v1")}}}",
        $"{{{Metadata(100)},\"NewImage\":{Image("d", 4, "v1")}}}",
        $"{{{Metadata(100)},\"Keys\":{Key("e", 9)},\"NewImage\":{Image("e", 5, "v1")}}}",
        Delete("z", 26, 100),
    ];

    private static readonly (int Line, string Reason)[] FlawedReasons =
    [
        (2, "the line has no \"Metadata\", which every line of a native incremental export has"),
        (3, "\"Metadata\" has no \"WriteTimestampMicros\""),
        (4, "the line has no \"Keys\" (the changed item's key), which every line of a native incremental export has"),
        (5, "\"Keys\" and \"NewImage\" disagree on the key attribute 'sk'"),
    ];

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }

    /// <summary>Writes a native incremental export under <paramref name="root"/> (its files in the order given) and returns the export's folder.</summary>
    private async Task<string> WriteExportAsync(string root, params (string Name, string[] Lines)[] files)
    {
        string folder = $"{root}AWSDynamoDB/{ExportId}/";
        var manifestFiles = new StringBuilder();
        foreach (var (name, lines) in files)
        {
            byte[] data = Gzip(string.Concat(lines.Select(l => l + "\n")));
            string key = $"exports/AWSDynamoDB/{ExportId}/data/{name}.json.gz";
            await ImportFixture.WriteBytesAsync(Store(root), $"{folder}data/{name}.json.gz", data);
            manifestFiles.Append(CultureInfo.InvariantCulture, $"{{\"itemCount\":{lines.Length},\"md5Checksum\":\"{Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(data))}\",\"etag\":\"e\",\"dataFileS3Key\":\"{key}\"}}\n");
        }
        await ImportFixture.WriteTextAsync(Store(root), folder + NativeExport.FilesFileName, manifestFiles.ToString());
        await ImportFixture.WriteTextAsync(Store(root), folder + NativeExport.SummaryFileName,
            $"{{\"version\":\"2023-08-01\",\"exportType\":\"INCREMENTAL_EXPORT\",\"outputFormat\":\"DYNAMODB_JSON\",\"outputView\":\"NEW_AND_OLD_IMAGES\",\"s3Bucket\":\"bucket\",\"manifestFilesS3Key\":\"exports/AWSDynamoDB/{ExportId}/manifest-files.json\",\"itemCount\":{files.Sum(f => f.Lines.Length)}}}");
        return folder;
    }

    private IObjectStore Store(string uri) => _c.Services.GetRequiredService<ObjectStores>().For(uri);

    private Task PutZAsync() => TestTables.PutAllAsync(_c.Client, _c.Table, [Item("z", 26, "there")]);

    private static Dictionary<string, AttributeValue> Item(string pk, int sk, string v) => new()
    {
        ["pk"] = new AttributeValue { S = pk },
        ["sk"] = new AttributeValue { N = N(sk) },
        ["v"] = new AttributeValue { S = v },
    };

    [Fact]
    public async Task Import_OfANativeIncrementalExportInS3_SetsAsideLinesWithoutMetadataOrKeysOrWithKeysThatDisagree_NamingFileLineAndWhatIsMissing()
    {
        string bucket = LocalServers.UniqueName("native-lines");
        await _c.S3.PutBucketAsync(bucket);
        await PutZAsync();
        string export = await WriteExportAsync($"s3://{bucket}/exports/", ("flawed", FlawedLines));
        string data = $"{export}data/flawed.json.gz";

        var run = await CliProcess.RunAsync(_c.Servers, ["import", "--source", export, "--table", _c.Table, "--verify", "--dead-letter", _c.Temp.Combine("rejects"), "--write-capacity", "1000", "--json"]);

        Assert.True(run.ExitCode == 3, run.ToString());
        foreach (var (line, reason) in FlawedReasons)
        {
            Assert.Contains($"{data}:{N(line)}: {reason}", run.Stderr, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("BytePositionInLine", run.Stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(4, json.RootElement.GetProperty("badLines").GetInt64());
        Assert.Equal(1, json.RootElement.GetProperty("itemsDeleted").GetInt64());
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, [Item("a", 1, "v1")]);
    }

    [Fact]
    public async Task Import_OfANativeExportInS3_WithAnUnknownOutputView_OrWithVerifyAndAWrongManifestMd5_WritesNothing()
    {
        string bucket = LocalServers.UniqueName("native-lines");
        await _c.S3.PutBucketAsync(bucket);
        string export = await WriteExportAsync($"s3://{bucket}/exports/", ("good", [Put("a", 1, "v1", 100)]));
        string summaryUri = export + NativeExport.SummaryFileName;
        string summary = Encoding.UTF8.GetString(await ImportFixture.ReadBytesAsync(Store(export), summaryUri));
        await ImportFixture.WriteTextAsync(Store(export), summaryUri, summary.Replace("NEW_AND_OLD_IMAGES", "KEYS_ONLY", StringComparison.Ordinal));

        var view = await Assert.ThrowsAsync<FormatException>(() => _c.Job.RunAsync(ImportFixture.OptionsFor(_c.Table, export)));

        Assert.Contains("the export's outputView is 'KEYS_ONLY'", view.Message, StringComparison.Ordinal);
        await ImportFixture.WriteTextAsync(Store(export), summaryUri, summary);
        await ImportFixture.WriteTextAsync(Store(export), export + "manifest-files.md5", Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData("another file"u8)));
        var options = ImportFixture.OptionsFor(_c.Table, export);
        options.Source.Verify = true;

        var md5 = await Assert.ThrowsAsync<InvalidDataException>(() => _c.Job.RunAsync(options));

        Assert.Contains($"{export}{NativeExport.FilesFileName}: manifest-files.md5: expected ", md5.Message, StringComparison.Ordinal);
        Assert.Empty(await TestTables.ScanAsync(_c.Client, _c.Table));
    }

    [Fact]
    public async Task RunSplit_OfANativeIncrementalExport_CarriesItsOriginInTheSplitDocument_AndReadsItsLinesAsStrictly()
    {
        await PutZAsync();
        string export = await WriteExportAsync(_c.Temp.Combine("export") + "/", ("flawed", FlawedLines));
        var plan = await _c.Services.GetRequiredService<ImportInputFormat>().PlanAsync(new ImportSourceOptions { Source = export });
        string document = plan.SplitToJson(0);
        Assert.Contains("\"nativeExport\": true", document, StringComparison.Ordinal);

        var result = await _c.Job.RunSplitAsync(SplitDocument.Parse(document), ImportFixture.OptionsFor(_c.Table, "(given by the split)"));

        Assert.Equal(4, result.BadLines);
        Assert.Equal(FlawedReasons.Select(r => (long)r.Line), result.DeadLetterSamples.Select(l => l.Line).Order());
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, [Item("a", 1, "v1")]);
    }

    [Fact]
    public async Task Convert_OfANativeIncrementalExportToDdbJsonIncremental_KeepsEachChangesWriteTime_SoItsReimportAppliesThemInTimeOrder()
    {
        // Files not in time order, as DynamoDB's are not: key k is put (v1) and later deleted, key m put v0 then v1.
        string export = await WriteExportAsync(_c.Temp.Combine("export") + "/",
            ("a-deletes", [Delete("k", 1, 300)]),
            ("b-v1", [Put("k", 1, "v1", 200), Put("m", 2, "v1", 200)]),
            ("c-v0", [Put("m", 2, "v0", 100)]));
        string converted = _c.Temp.Combine("converted");

        var convert = await CliRunner.RunAsync("convert", "--source", export, "--destination", converted, "--to", "ddb-json-incremental");
        Assert.True(convert.ExitCode == 0, convert.ToString());
        Assert.All(Directory.GetFiles(converted, "*.json"), f => Assert.All(File.ReadAllLines(f), l => Assert.StartsWith("{\"Metadata\":{\"WriteTimestampMicros\":", l, StringComparison.Ordinal)));
        var result = await _c.Job.RunAsync(ImportFixture.OptionsFor(_c.Table, converted));

        Assert.Equal(0, result.BadLines);
        Assert.Equal(ImportSourceKind.Listing, result.Plan.Kind);
        Assert.Equal(ImportOrdering.ByWriteTimestamp, result.Plan.Ordering);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, [Item("m", 2, "v1")]);
    }

    [Fact]
    public async Task DeadLetters_OfDeletesThatCouldNotBeApplied_AreKeptApart_AndImportAgainWholeInTheFormatTheHintNames()
    {
        await TestTables.PutAllAsync(_c.Client, _c.Table, [Item("x", 7, "there"), Item("y", 8, "there")]);
        string source = _c.Temp.Combine("changes.json");
        await File.WriteAllLinesAsync(source,
        [
            $"{{\"NewImage\":{Image("p", 1, "v")}}}",
            $"{{\"NewImage\":{Image("q", 2, "v")}}}",
            "{\"NewImage\":{\"pk\":{\"S\":\"r\"},\"sk\":{\"S\":\"not a number key\"}}}",
            "{\"Keys\":{\"pk\":{\"S\":\"x\"},\"sk\":{\"S\":\"7\"}}}",
            $"{{\"Keys\":{Key("y", 8)}}}",
        ]);
        string rejects = _c.Temp.Combine("rejects");

        var run = await CliProcess.RunAsync(_c.Servers, ["import", "--source", source, "--table", _c.Table, "--format", "ddb-json-incremental", "--dead-letter", rejects, "--write-capacity", "1000"]);

        Assert.True(run.ExitCode == 3, run.ToString());
        string deletes = Path.Combine(rejects, "deletes");
        Assert.Contains($"deletes that could not be applied are {{\"Keys\":...}} lines in {deletes}/, which import again with --format ddb-json-incremental", run.Stderr, StringComparison.Ordinal);
        var deleteFile = Assert.Single(Directory.GetFiles(deletes, "*.jsonl"));
        Assert.StartsWith("{\"Keys\":{\"pk\":{\"S\":\"x\"}", Assert.Single(File.ReadAllLines(deleteFile)), StringComparison.Ordinal);
        Assert.All(Directory.GetFiles(rejects, "*.jsonl"), f => Assert.All(File.ReadAllLines(f), l => Assert.StartsWith("{\"Item\":", l, StringComparison.Ordinal)));

        // Fixed (the key's sort key is a number) and imported again as the hint says: every line is read, the delete applies.
        await File.WriteAllTextAsync(deleteFile, (await File.ReadAllTextAsync(deleteFile)).Replace("\"sk\":{\"S\":\"7\"}", "\"sk\":{\"N\":\"7\"}", StringComparison.Ordinal));
        var again = await CliProcess.RunAsync(_c.Servers, ["import", "--source", deletes, "--table", _c.Table, "--format", "ddb-json-incremental", "--write-capacity", "1000", "--json"]);

        Assert.True(again.ExitCode == 0, again.ToString());
        using var json = JsonDocument.Parse(again.Stdout);
        Assert.Equal(1, json.RootElement.GetProperty("itemsDeleted").GetInt64());
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, [Item("p", 1, "v"), Item("q", 2, "v")]);
    }
}
