using System.Text;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Hostile;

/// <summary>
/// Text that is not Unicode (an escape of half a surrogate pair, bytes that are not UTF-8) through the real import and
/// estimate: each such line is one bad record naming file, line and reason, and every good line lands.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class HostileTextTests(LocalServers servers) : IDisposable
{
    private readonly HostileRig _rig = new(servers);

    public void Dispose() => _rig.Dispose();

    private static string Line(string format, string pk, int sk, string extra = "") =>
        format == "ddb-json" ? HostileRig.DdbJson(pk, sk, extra) : HostileRig.DataPipeline(pk, sk, extra);

    /// <summary>A lone surrogate in a value (line 2) and in an attribute name (line 4), good lines around them.</summary>
    private string WriteSurrogateFile(string format) => _rig.WriteLines("source/items.json",
        Line(format, "a", 1),
        Line(format, "b\\ud800", 2),
        Line(format, "c", 3),
        Line(format, "d", 4, format == "ddb-json" ? """ "x\udc00y":{"S":"v"}""" : """ "x\udc00y":{"s":"v"}"""),
        Line(format, "e\\ud83d\\ude00", 5));

    [Theory]
    [InlineData("data-pipeline")]
    [InlineData("ddb-json")]
    public async Task Import_LoneSurrogateEscapeInAValueOrAName_IsOneBadRecordEach_AndEveryGoodLineLands(string format)
    {
        string file = WriteSurrogateFile(format);
        string table = await _rig.CreateTableAsync();

        var run = await _rig.ImportAsync(file, table);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"{file}:2: attribute 'pk': the S value (\"b\\ud800\") has the escape \\ud800, half of a UTF-16 surrogate pair", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{file}:4: an attribute name (\"x\\udc00y\") has the escape \\udc00", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("UTF-16 JSON text", run.Stderr + run.Stdout, StringComparison.Ordinal);
        var summary = run.Json();
        Assert.Equal(2, summary.GetProperty("badLines").GetInt64());
        Assert.Equal(3, summary.GetProperty("itemsWritten").GetInt64());
        Assert.Equal(["a|1", "c|3", "e\U0001F600|5"], await _rig.KeysAsync(table));
    }

    [Fact]
    public async Task Import_LoneSurrogate_WithACheckpoint_FinishesAndTheRerunFinishesToo()
    {
        string file = WriteSurrogateFile("data-pipeline");
        string table = await _rig.CreateTableAsync();
        string checkpoint = _rig.Temp.Combine("checkpoint");

        var first = await _rig.ImportAsync(file, table, "--checkpoint", checkpoint);
        var rerun = await _rig.ImportAsync(file, table, "--checkpoint", checkpoint);

        Assert.True(first.ExitCode == 3, first.ToString());
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Equal(1, rerun.Json().GetProperty("splitsSkipped").GetInt32());
        Assert.Equal(2, Directory.GetFiles(Path.Combine(checkpoint, "dead-letters")).SelectMany(File.ReadAllLines).Count());
        Assert.Equal(["a|1", "c|3", "e\U0001F600|5"], await _rig.KeysAsync(table));
    }

    [Fact]
    public async Task Estimate_LoneSurrogate_CountsTheLinesAsBad_AndTheOthersAsItems()
    {
        string file = WriteSurrogateFile("ddb-json");

        var run = await CliRunner.RunAsync("estimate", "--source", file, "--json");

        Assert.True(run.ExitCode == 3, run.ToString());
        var summary = run.Json();
        Assert.Equal(3, summary.GetProperty("items").GetInt64());
        Assert.Equal(2, summary.GetProperty("errors").GetInt64());
        Assert.Contains($"{file}:2: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{file}:4: ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("UTF-16 JSON text", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_CsvWithALoneSurrogateInAJsonCell_IsOneBadRecord_AndTheOtherRowsLand()
    {
        string schema = _rig.WriteLines("schema.json", """{"columns":[{"name":"sk","type":"N"},{"name":"tags","type":"L"}]}""");
        string file = _rig.WriteLines("source/items.csv", "pk,sk,tags", "a,1,\"[\"\"x\"\"]\"", "b,2,\"[\"\"b\\ud800\"\"]\"", "c,3,[]");
        string table = await _rig.CreateTableAsync();

        var run = await _rig.ImportAsync(file, table, "--format", "csv", "--csv-schema", schema);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"{file}:3: column 'tags' (L): a JSON string (\"b\\ud800\") has the escape \\ud800", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(["a|1", "c|3"], await _rig.KeysAsync(table));
    }

    [Theory]
    [InlineData("data-pipeline")]
    [InlineData("ddb-json")]
    public async Task Import_InvalidUtf8_IsOneBadRecordNamingTheAttribute_AndEveryGoodLineLands(string format)
    {
        var bytes = new MemoryStream();
        bytes.Write(Encoding.UTF8.GetBytes(Line(format, "a", 1) + "\n"));
        byte[] bad = Encoding.UTF8.GetBytes(Line(format, "b", 2, format == "ddb-json" ? """ "note":{"S":"caf#"}""" : """ "note":{"s":"caf#"}""") + "\n");
        bad[Array.IndexOf(bad, (byte)'#')] = 0xE9; // Latin-1 'é': not UTF-8
        bytes.Write(bad);
        bytes.Write(Encoding.UTF8.GetBytes(Line(format, "c", 3) + "\n"));
        string file = _rig.Temp.Combine("latin1.json");
        await File.WriteAllBytesAsync(file, bytes.ToArray());
        string table = await _rig.CreateTableAsync();

        var run = await _rig.ImportAsync(file, table);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"{file}:2: attribute 'note': the S value (\"caf\uFFFD\") is not valid UTF-8 text", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(["a|1", "c|3"], await _rig.KeysAsync(table));
    }
}
