using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.IntegrationTests.Cli;

public sealed class EstimateAndConvertTests
{
    private static async Task<List<Dictionary<string, AttributeValue>>> ReadAllAsync(string folder, ItemFileFormat format)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        foreach (var file in Directory.GetFiles(folder).Where(f => !Path.GetFileName(f).StartsWith('.') && Path.GetFileName(f) != "manifest").Order())
        {
            await using var reader = ItemFiles.OpenReader(File.OpenRead(file), format, new ItemReaderOptions { SourceName = file });
            while (await reader.ReadAsync() is { } record) items.Add(record.Item);
        }
        return items.OrderBy(i => i["pk"].S, StringComparer.Ordinal).ThenBy(i => i["sk"].N, StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task Estimate_OfGeneratedData_CountsEveryItemAndItsWriteUnits()
    {
        using var temp = new TempFolder();
        var generate = await CliRunner.RunAsync("generate", "--destination", temp.Path, "--items", "1000", "--files", "3", "--compression", "gzip", "--manifest");
        Assert.True(generate.ExitCode == 0, generate.ToString());
        Assert.True(File.Exists(temp.Combine("manifest")));

        var estimate = await CliRunner.RunAsync("estimate", "--source", temp.Path, "--write-capacity", "100", "--json");
        Assert.True(estimate.ExitCode == 0, estimate.ToString());
        using var json = JsonDocument.Parse(estimate.Stdout);
        var root = json.RootElement;
        Assert.Equal(1000, root.GetProperty("items").GetInt64());
        Assert.Equal(0, root.GetProperty("errors").GetInt64());
        Assert.Equal("data-pipeline", root.GetProperty("format").GetString());
        long units = root.GetProperty("writeCapacityUnits").GetInt64();
        long bytes = root.GetProperty("bytes").GetInt64();
        Assert.Equal(1000, units); // sample items are 200-300 bytes: 1 WCU each
        Assert.InRange(bytes, 1000L * 200, 1000L * 1024);
        Assert.Equal(units / 100.0, root.GetProperty("estimatedSeconds").GetDouble(), 1);
        Assert.Equal(Math.Round(bytes / 1000.0, 1), root.GetProperty("averageItemSize").GetDouble(), 1);
    }

    [Fact]
    public async Task Estimate_WithBadLines_ReportsFileAndLineAndExitsWith3()
    {
        using var temp = new TempFolder();
        string file = temp.Combine("data.json");
        await File.WriteAllLinesAsync(file,
        [
            """{"Item":{"pk":{"S":"a"}}}""",
            """{"Item":{"pk":{"S":"b"},"n":{"N":"not a number"}}}""",
            """{"Item":{"pk":{"S":"c"}}}""",
            """{"Item":{"pk":{"S":"d"},"big":{"S":"__BIG__"}}}""".Replace("__BIG__", new string('x', 410_000)),
        ]);
        var estimate = await CliRunner.RunAsync("estimate", "--source", file, "--json");
        Assert.True(estimate.ExitCode == 3, estimate.ToString());
        using var json = JsonDocument.Parse(estimate.Stdout);
        Assert.Equal(2, json.RootElement.GetProperty("items").GetInt64());
        Assert.Equal(2, json.RootElement.GetProperty("errors").GetInt64());
        Assert.Contains($"{file}:2: ", estimate.Stderr);
        Assert.Contains("not a number", estimate.Stderr);
        Assert.Contains($"{file}:4: item is", estimate.Stderr);
    }

    [Theory]
    [InlineData("ddb-json", "zstd")]
    [InlineData("ddb-json-incremental", "none")]
    [InlineData("csv", "gzip")]
    public async Task Convert_ThereAndBack_KeepsEveryItemExactly(string via, string compression)
    {
        using var temp = new TempFolder();
        string original = temp.Combine("original"), middle = temp.Combine("middle"), back = temp.Combine("back");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", original, "--items", "300", "--files", "2")).ExitCode);

        var there = await CliRunner.RunAsync("convert", "--source", original, "--destination", middle, "--to", via, "--compression", compression);
        Assert.True(there.ExitCode == 0, there.ToString());
        string[] schema = via == "csv" ? ["--csv-schema", Path.Combine(middle, "_csv-schema.json")] : [];
        var again = await CliRunner.RunAsync(["convert", "--source", middle, "--destination", back, "--to", "data-pipeline", "--format", via, .. schema]);
        Assert.True(again.ExitCode == 0, again.ToString());

        Assert.True(File.Exists(Path.Combine(back, "manifest")), "converting to data-pipeline into a folder writes an EMR manifest");
        var expected = await ReadAllAsync(original, ItemFileFormat.DataPipeline);
        var actual = await ReadAllAsync(back, ItemFileFormat.DataPipeline);
        Assert.Equal(300, actual.Count);
        Assert.Equal(expected, actual, ItemComparer.Instance);
    }

    [Fact]
    public async Task Convert_SingleFile_WritesTheNamedFile()
    {
        using var temp = new TempFolder();
        string source = temp.Combine("in.json");
        await File.WriteAllTextAsync(source, """{"Item":{"pk":{"S":"a"},"n":{"N":"12345678901234567890123456789012345678"}}}""" + "\n");
        var run = await CliRunner.RunAsync("convert", "--source", source, "--destination", temp.Combine("out.dp"), "--to", "data-pipeline");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("""{"pk":{"s":"a"},"n":{"n":"12345678901234567890123456789012345678"}}""" + "\n", await File.ReadAllTextAsync(temp.Combine("out.dp")));
    }

    [Theory]
    [InlineData("estimate")]
    [InlineData("convert", "--source", "x", "--destination", "y", "--to", "yaml")]
    [InlineData("estimate", "--source", "x", "--write-capacity", "-5")]
    [InlineData("no-such-verb")]
    public async Task BadCommandLine_ExitsWith2(params string[] args)
    {
        var run = await CliRunner.RunAsync(args);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.NotEmpty(run.Stderr);
    }

    [Fact]
    public async Task MissingSource_FailsWithExit1AndSaysWhich()
    {
        using var temp = new TempFolder();
        string missing = temp.Combine("nothing-here");
        var run = await CliRunner.RunAsync("estimate", "--source", missing);
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains(missing, run.Stderr);
    }
}
