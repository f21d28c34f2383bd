using System.Text.Json;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.IntegrationTests.Export;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.IntegrationTests.Cli;

/// <summary>The <c>export</c> verb, run in-process against dynalite and s3rver through the standard AWS variables.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class ExportCommandTests : IAsyncLifetime
{
    private readonly CliTestContext _c;
    private readonly string _table = LocalServers.UniqueName("cli-export");
    private readonly string _bucket = LocalServers.UniqueName("cli-export");

    public ExportCommandTests(LocalServers servers) => _c = new CliTestContext(servers).InThisProcess();

    public async Task InitializeAsync()
    {
        await TestTables.CreateTableAsync(_c.DynamoDb, _table);
        await TestTables.PutAllAsync(_c.DynamoDb, _table, TestTables.Plain(5, 10));
        await _c.S3.PutBucketAsync(_bucket);
    }

    public async Task DisposeAsync()
    {
        await _c.DynamoDb.DeleteTableAsync(_table);
        _c.Dispose();
    }

    /// <summary>Asserts what every complete export shows: the manifest lists exactly the data files in the destination, and they hold the items the JSON counts.</summary>
    private static async Task<List<string>> AssertCompleteAsync(IObjectStore store, JsonElement result, ItemFileFormat format)
    {
        string manifestUri = result.GetProperty("manifest").GetString()!;
        string destination = result.GetProperty("destination").GetString()!;
        var (items, manifest) = await ExportFixture.ReadEmrExportAsync(store, manifestUri, format);
        var listed = new List<string>();
        await foreach (var info in store.ListAsync(destination, recursive: true)) listed.Add(info.Uri);
        Assert.Equal(manifest.Entries.Select(e => e.Url).Append(manifestUri).Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.Equal(result.GetProperty("files").GetInt32(), manifest.Entries.Count);
        Assert.Equal(result.GetProperty("bytes").GetInt64(), manifest.Entries.Sum(e => e.Bytes!.Value));
        Assert.Equal(result.GetProperty("itemsExported").GetInt64(), items.Count);
        return [.. items.Select(TestTables.KeyOf).Order(StringComparer.Ordinal)];
    }

    private static IEnumerable<string> KeysOf(IEnumerable<(int Partition, int Sort)> keys) =>
        keys.Select(k => $"p{k.Partition}|{k.Sort}").Order(StringComparer.Ordinal);

    private static readonly IEnumerable<(int, int)> EveryKey = from p in Enumerable.Range(0, 5) from s in Enumerable.Range(0, 10) select (p, s);

    [Fact]
    public async Task Export_ToS3_WithJson_CountsEveryItemAndTheManifestListsExactlyTheFilesWritten()
    {
        var result = await CliRunner.RunJsonAsync("export", "--table", _table, "--destination", $"s3://{_bucket}/backup/", "--read-capacity", "2000", "--segments", "4", "--items-per-file", "7");

        var keys = await AssertCompleteAsync(new S3ObjectStore(_c.S3, Options.Create(new S3ObjectStoreOptions())), result, ItemFileFormat.DataPipeline);
        Assert.Equal(KeysOf(EveryKey), keys);
        Assert.Equal(50, result.GetProperty("itemsExported").GetInt64());
        Assert.True(result.GetProperty("files").GetInt32() >= 8, result.ToString()); // 4 segments, 7 items a file
        Assert.Equal(_table, result.GetProperty("table").GetString());
        Assert.Equal($"s3://{_bucket}/backup/", result.GetProperty("destination").GetString());
        Assert.Equal($"s3://{_bucket}/backup/manifest", result.GetProperty("manifest").GetString());
        Assert.True(result.GetProperty("consumedCapacityUnits").GetDouble() > 0, result.ToString());
        Assert.Equal(0, result.GetProperty("throttledRequests").GetInt64());
        Assert.True(result.GetProperty("elapsedSeconds").GetDouble() >= 0);
    }

    [Fact]
    public async Task Export_ToALocalFolder_AsCompressedDdbJson_CountsEveryItemAndTheManifestListsExactlyTheFilesWritten()
    {
        string folder = _c.Temp.Combine("out");
        var result = await CliRunner.RunJsonAsync("export", "--table", _table, "--destination", folder, "--format", "ddb-json", "--compression", "zstd", "--workers", "2");

        var keys = await AssertCompleteAsync(new LocalFileObjectStore(), result, ItemFileFormat.DynamoDbJson);
        Assert.Equal(KeysOf(EveryKey), keys);
        Assert.All(Directory.GetFiles(folder).Where(f => Path.GetFileName(f) != "manifest"), f => Assert.EndsWith(".zst", f));
    }

    [Fact]
    public async Task Export_WithKeyConditionAndValues_ExportsExactlyTheMatchingItems()
    {
        string folder = _c.Temp.Combine("query");
        var result = await CliRunner.RunJsonAsync("export", "--table", _table, "--destination", folder,
            "--key-condition", "#pk = :p AND sk < :s", "--filter", "#size <> :two",
            "--names", """{"#pk":"pk","#size":"size"}""", "--values", """{":p":{"S":"p2"},":s":{"N":"7"},":two":{"N":"2"}}""");

        var keys = await AssertCompleteAsync(new LocalFileObjectStore(), result, ItemFileFormat.DataPipeline);
        // sk 0..6 of p2, less sk 2 (size = sk % 5 = 2).
        Assert.Equal(KeysOf([(2, 0), (2, 1), (2, 3), (2, 4), (2, 5), (2, 6)]), keys);
        Assert.Equal(7, result.GetProperty("itemsScanned").GetInt64());
    }

    [Fact]
    public async Task Export_WithoutJson_PrintsASummary_AndRefusesACompleteDestinationUnlessOverwrite()
    {
        string folder = _c.Temp.Combine("summary");
        var first = await CliRunner.RunAsync("export", "--table", _table, "--destination", folder);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("items:       50", first.Stdout);
        Assert.Contains($"manifest:    {Path.Combine(folder, "manifest")}", first.Stdout);
        Assert.Contains("read units:  ", first.Stdout);

        var again = await CliRunner.RunAsync("export", "--table", _table, "--destination", folder);
        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.Contains("already holds a complete export", again.Stderr);

        var overwritten = await CliRunner.RunAsync("export", "--table", _table, "--destination", folder, "--overwrite");
        Assert.True(overwritten.ExitCode == 0, overwritten.ToString());
    }

    [Fact]
    public async Task Export_WithReadPercentAndReadCapacity_IsAUsageError()
    {
        var run = await CliRunner.RunAsync("export", "--table", _table, "--destination", _c.Temp.Combine("x"), "--read-percent", "0.5", "--read-capacity", "100");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--read-percent and --read-capacity cannot be used together", run.Stderr);
        Assert.False(Directory.Exists(_c.Temp.Combine("x")));
    }

    [Fact]
    public async Task Export_WithOptionsTheLayoutCannotTake_IsAUsageErrorNamingTheOption()
    {
        var run = await CliRunner.RunAsync("export", "--table", _table, "--destination", _c.Temp.Combine("x"), "--layout", "native", "--compression", "zstd");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("error: The native layout's data files are gzip (data/*.json.gz); --compression is zstd.", run.Stderr.Trim());
    }

    [Fact]
    public async Task Export_OfAMissingTable_Exits1NamingTheTable()
    {
        string missing = LocalServers.UniqueName("missing");
        var run = await CliRunner.RunAsync("export", "--table", missing, "--destination", _c.Temp.Combine("missing"));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.StartsWith($"error: Table '{missing}' does not exist", run.Stderr);
        Assert.DoesNotContain("--create-table", run.Stderr, StringComparison.Ordinal); // an export does not create its table
        Assert.Equal("", run.Stdout);
    }
}
