using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Csv;

/// <summary>CSV as people have it, through the real CLI into dynalite: ragged rows, and bad records set aside as CSV that imports again.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class CsvImportCliTests(LocalServers servers) : IDisposable
{
    private readonly CliTestContext _c = new(servers);

    public void Dispose() => _c.Dispose();

    [Fact]
    public async Task Import_TenAndElevenColumnRows_LandInOneRunWithRaggedPad()
    {
        string file = _c.Temp.Combine("rows.csv"), schema = _c.Temp.Combine("schema.json");
        var lines = new List<string> { "pk,c2,c3,c4,c5,c6,c7,c8,c9,n,optional" };
        lines.AddRange(Enumerable.Range(1, 30).Select(i => $"row#{i},b,c,d,e,f,g,h,i,{i}" + (i % 3 == 0 ? $",extra{i}" : "")));
        await File.WriteAllLinesAsync(file, lines);
        await File.WriteAllTextAsync(schema, """{"ragged":"pad","emptyCells":"omit","columns":[{"name":"n","type":"N"}]}""");
        string table = LocalServers.UniqueName("ragged");

        var run = await CliProcess.RunAsync(servers, ["import", "--source", file, "--table", table, "--create-table", "--key", "pk:S", "--csv-schema", schema, "--write-capacity", "5000"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var items = await TestTables.ScanAsync(_c.DynamoDb, table);
        Assert.Equal(30, items.Count);
        Assert.Equal("extra3", items.Single(i => i["pk"].S == "row#3")["optional"].S);
        Assert.False(items.Single(i => i["pk"].S == "row#4").ContainsKey("optional"));
        Assert.Equal("4", items.Single(i => i["pk"].S == "row#4")["n"].N);
    }

    [Fact]
    public async Task Import_BadCsvRecords_AreSetAsideAsCsvThatThePrintedCommandImportsOnceFixed()
    {
        string file = _c.Temp.Combine("scores.csv"), schema = _c.Temp.Combine("schema.json"), deadLetters = _c.Temp.Combine("dead") + "/";
        var lines = new List<string> { "pk,score,note" };
        lines.AddRange(Enumerable.Range(1, 20).Select(i => i % 5 == 0 ? $"user#{i},n/a,\"note, with comma\r\nand a line break\"" : $"user#{i},{i},plain"));
        await File.WriteAllTextAsync(file, string.Join("\r\n", lines) + "\r\n");
        await File.WriteAllTextAsync(schema, """{"columns":[{"name":"score","type":"N"}]}""");
        string table = LocalServers.UniqueName("csvdead");

        var first = await CliProcess.RunAsync(servers, ["import", "--source", file, "--table", table, "--create-table", "--key", "pk:S", "--csv-schema", schema, "--dead-letter", deadLetters, "--write-capacity", "5000"]);

        Assert.True(first.ExitCode == 3, first.ToString());
        Assert.Equal(16, (await TestTables.ScanAsync(_c.DynamoDb, table)).Count);
        const string marker = "import them again with: dynamodb-connector ";
        int at = first.Stderr.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, first.ToString());
        string command = first.Stderr[(at + marker.Length)..].Split(". Anything else", 2)[0];
        string[] args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["import", "--source", Path.Combine(deadLetters, "csv") + "/", "--table", table, "--format", "csv", "--csv-schema", schema], args);

        // The set-aside file is CSV under the original header, each record as it was (quotes and line breaks kept).
        string setAside = Assert.Single(Directory.GetFiles(args[2]));
        string text = await File.ReadAllTextAsync(setAside);
        Assert.StartsWith("pk,score,note\n", text, StringComparison.Ordinal);
        Assert.Contains("user#5,n/a,\"note, with comma\r\nand a line break\"\n", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(setAside, text.Replace(",n/a,", ",0,", StringComparison.Ordinal));

        var again = await CliProcess.RunAsync(servers, args.Append("--write-capacity").Append("5000").ToArray());

        Assert.True(again.ExitCode == 0, again.ToString());
        var items = await TestTables.ScanAsync(_c.DynamoDb, table);
        Assert.Equal(20, items.Count);
        Assert.Equal("0", items.Single(i => i["pk"].S == "user#5")["score"].N);
        Assert.Equal("note, with comma\r\nand a line break", items.Single(i => i["pk"].S == "user#15")["note"].S);
    }
}
