using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Export;
using DynamoDb.Connector.IntegrationTests.Import;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Sources;

/// <summary>
/// Exports that did not finish: the real tool killed (kill -9) half way through an export, and a native export
/// without its summary. Importing one is refused (it holds only part of the table) unless forced; the killed export
/// leaves no manifest and no partial part file, and its rerun ends equal to the table.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed partial class IncompleteExportTests(LocalServers servers) : IAsyncLifetime
{
    private const int Items = 30_000;
    private const int ItemsPerFile = 1_000;

    private readonly ImportTestContext _c = new(servers, "killed-import");
    private readonly string _source = LocalServers.UniqueName("killed-export");

    public Task InitializeAsync() => _c.CreateTableAsync();

    public async Task DisposeAsync()
    {
        try { await _c.Client.DeleteTableAsync(_source); } catch (ResourceNotFoundException) { }
        await _c.DisposeAsync();
    }

    [GeneratedRegex(@"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.gz$")]
    private static partial Regex PartName();

    private static List<string> PartFiles(string folder) =>
        Directory.Exists(folder) ? [.. Directory.GetFiles(folder).Where(f => PartName().IsMatch(Path.GetFileName(f)))] : [];

    [Fact]
    public async Task Export_KilledHalfWay_LeavesNoManifestNorPartialPart_IsRefusedByImport_AndItsRerunEndsEqualToTheTable()
    {
        await TestTables.CreateTableAsync(_c.Client, _source, indexes: false);
        var items = TestTables.Plain(30, Items / 30);
        await TestTables.PutAllAsync(_c.Client, _source, items);
        string destination = _c.Temp.Combine("export") + "/";
        string[] export = ["export", "--table", _source, "--destination", destination, "--items-per-file", $"{ItemsPerFile}", "--workers", "1", "--segments", "1", "--compression", "gzip"];

        // Slow enough that the kill lands with about 8,000 of the 30,000 items in committed files.
        using (var first = CliProcess.Start(servers, [.. export, "--read-capacity", "25"]))
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (PartFiles(destination).Count < 8 && DateTime.UtcNow < deadline && !first.Output().ExitCode.Equals(0))
            {
                await Task.Delay(50);
            }
            first.Kill();
            Assert.True(PartFiles(destination).Count is >= 8 and < Items / ItemsPerFile, $"{PartFiles(destination).Count} part files at the kill\n{first.Output()}");
        }

        Assert.False(File.Exists(destination + ExportManifest.FileName), "a killed export left a manifest");
        foreach (var part in PartFiles(destination))
        {
            // Under a final name only complete files: each reads to its end, with a whole file's items.
            await using var reader = ItemFiles.OpenReader(File.OpenRead(part), ItemFileFormat.DataPipeline, new ItemReaderOptions { SourceName = part });
            int count = 0;
            while (await reader.ReadAsync() is not null) count++;
            Assert.Equal(ItemsPerFile, count);
        }
        int committed = PartFiles(destination).Count * ItemsPerFile;

        var job = _c.Services.GetRequiredService<ImportJob>();
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => job.RunAsync(ImportFixture.OptionsFor(_c.Table, destination)));
        Assert.StartsWith($"{destination} is an export that did not finish (no 'manifest', and the export's checkpoint {destination}_checkpoint/ is there)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--allow-incomplete", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await TestTables.ScanAsync(_c.Client, _c.Table));

        var cli = await CliProcess.RunAsync(servers, ["import", "--source", destination, "--table", _c.Table, "--write-capacity", "100000"]);
        Assert.True(cli.ExitCode == 1, cli.ToString());
        Assert.Contains("is an export that did not finish", cli.Stderr, StringComparison.Ordinal);
        Assert.Empty(await TestTables.ScanAsync(_c.Client, _c.Table));

        var forced = ImportFixture.OptionsFor(_c.Table, destination);
        forced.Source.AllowIncompleteExport = true;
        var partial = await job.RunAsync(forced);
        Assert.Equal(committed, partial.ItemsWritten);

        var rerun = await CliProcess.RunAsync(servers, [.. export, "--read-capacity", "100000"], TimeSpan.FromMinutes(3));

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        var (exported, _) = await ExportFixture.ReadEmrExportAsync(new LocalFileObjectStore(), destination + ExportManifest.FileName, ItemFileFormat.DataPipeline);
        var table = (await TestTables.ScanAsync(_c.Client, _source)).ToDictionary(TestTables.KeyOf);
        Assert.Equal(table.Count, exported.Count);
        Assert.Equal(table.Keys.Order(StringComparer.Ordinal), exported.Select(TestTables.KeyOf).Order(StringComparer.Ordinal));
        foreach (var item in exported) Assert.Null(ItemComparer.Difference(table[TestTables.KeyOf(item)], item));
        Assert.False(Directory.Exists(destination + "_checkpoint"), "a finished export left its checkpoint folder");
        Assert.Empty(Directory.GetFiles(destination, ".*"));
    }

    [Fact]
    public async Task Import_OfANativeExportWithoutItsSummary_IsRefused_UnlessForced()
    {
        string prefix = _c.Temp.Combine("native") + "/";
        string export = prefix + "AWSDynamoDB/01234567890123-abcdef01/";
        Directory.CreateDirectory(export + "data");
        await File.WriteAllTextAsync(export + "_started", "");
        var items = TestTables.Plain(1, 3);
        var store = new LocalFileObjectStore();
        await ImportFixture.WriteFileAsync(store, export + "data/part.json", ItemFileFormat.DynamoDbJson, Formats.Compression.CompressionKind.None, items);
        var job = _c.Services.GetRequiredService<ImportJob>();

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => job.RunAsync(ImportFixture.OptionsFor(_c.Table, prefix)));
        Assert.StartsWith($"{prefix} is an export that did not finish ({export} has a native export's _started marker but no manifest-summary.json)", refused.Message, StringComparison.Ordinal);
        refused = await Assert.ThrowsAsync<InvalidDataException>(() => job.RunAsync(ImportFixture.OptionsFor(_c.Table, export)));
        Assert.StartsWith($"{export} is an export that did not finish (a native export's _started marker but no manifest-summary.json)", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await TestTables.ScanAsync(_c.Client, _c.Table));

        var forced = ImportFixture.OptionsFor(_c.Table, export);
        forced.Source.AllowIncompleteExport = true;
        var result = await job.RunAsync(forced);

        Assert.Equal(3, result.ItemsWritten);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, items);
    }

    [Fact]
    public async Task Import_OfANativeExportWhoseSummarySaysItIsNotCompleted_IsRefused()
    {
        string export = _c.Temp.Combine("native-in-progress") + "/";
        Directory.CreateDirectory(export);
        await File.WriteAllTextAsync(export + NativeExport.SummaryFileName,
            "{\"version\":\"2020-06-30\",\"status\":\"IN_PROGRESS\",\"manifestFilesS3Key\":\"AWSDynamoDB/x/manifest-files.json\",\"outputFormat\":\"DYNAMODB_JSON\"}");
        await File.WriteAllTextAsync(export + NativeExport.FilesFileName, "");
        var job = _c.Services.GetRequiredService<ImportJob>();

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => job.RunAsync(ImportFixture.OptionsFor(_c.Table, export)));

        Assert.StartsWith($"{export} is an export that did not finish ({export}{NativeExport.SummaryFileName} says its status is IN_PROGRESS, not COMPLETED)", refused.Message, StringComparison.Ordinal);
    }
}
