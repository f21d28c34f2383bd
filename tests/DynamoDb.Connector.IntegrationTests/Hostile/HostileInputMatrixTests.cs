using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Hostile;

/// <summary>
/// The hostile-input matrix of issue 15, each case through the real CLI against dynalite: the exit code, the stderr
/// line (file, line, reason) and every good item in the table.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class HostileInputMatrixTests(LocalServers servers) : IDisposable
{
    private readonly HostileRig _rig = new(servers);

    public void Dispose() => _rig.Dispose();

    private static string Line(string pk, int sk, string extra = "") => HostileRig.DataPipeline(pk, sk, extra);

    /// <summary>Good lines a|1 and c|3 around <paramref name="bad"/> (line 2).</summary>
    private async Task<(string File, string Table, Cli.CliRunner.Run Run)> ImportAroundAsync(params string[] bad)
    {
        string file = _rig.WriteLines("items.json", [Line("a", 1), .. bad, Line("c", 3)]);
        string table = await _rig.CreateTableAsync();
        return (file, table, await _rig.ImportAsync(file, table));
    }

    [Fact]
    public async Task Import_ATenMegabyteLine_IsOneBadRecordNamingItsLength_AndTheLinesAroundItLand()
    {
        var (file, table, run) = await ImportAroundAsync(Line("b", 2, $"\"x\":{{\"s\":\"{new string('x', 10 * 1024 * 1024)}\"}}"));

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(file)}:2: the line is 10,485,\d\d\d bytes, longer than the 4,194,304 accepted \(an item is at most 400 KB\); it was skipped unread", run.Stderr);
        Assert.Equal(["a|1", "c|3"], await _rig.KeysAsync(table));
    }

    [Theory]
    [InlineData("NaN", "attribute 'v': 'NaN' is not a number")]
    [InlineData("1e500", "attribute 'v': number '1e500' is larger than DynamoDB allows")]
    [InlineData("123456789012345678901234567890123456789", "attribute 'v': number '123456789012345678901234567890123456789' has 39 significant digits; DynamoDB keeps at most 38")]
    [InlineData("Infinity", "attribute 'v': 'Infinity' is not a number")]
    [InlineData("1e-131", "attribute 'v': number '1e-131' is smaller")]
    public async Task Import_ANumberDynamoDbCannotHold_IsOneBadRecord_AndA38DigitNumberLandsExactly(string number, string reason)
    {
        const string digits38 = "12345678901234567890123456789012345678";
        var (file, table, run) = await ImportAroundAsync(Line("b", 2, $"\"v\":{{\"n\":\"{number}\"}}"), Line("d", 4, $"\"v\":{{\"n\":\"{digits38}\"}}"));

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"{file}:2: {reason}", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(["a|1", "c|3", "d|4"], await _rig.KeysAsync(table));
        Assert.Equal(digits38, (await _rig.ScanAsync(table)).Single(i => i["pk"].S == "d")["v"].N);
    }

    [Fact]
    public async Task Import_AnItemOver400KB_IsSetAsideNamingItsSize_AndAnItemJustUnderLands()
    {
        string over = Line("b", 2, $"\"x\":{{\"s\":\"{new string('x', 409_600)}\"}}");
        string under = Line("d", 4, $"\"x\":{{\"s\":\"{new string('y', 409_500)}\"}}");

        var (file, table, run) = await ImportAroundAsync(over, under);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(file)}:2: item is 409,6\d\d bytes; DynamoDB's limit is 409,600 \(400 KB\)", run.Stderr);
        Assert.Equal(["a|1", "c|3", "d|4"], await _rig.KeysAsync(table));
    }

    [Fact]
    public async Task Import_ItemsMissingAKey_AreSetAsideNamingTheKey()
    {
        var (file, table, run) = await ImportAroundAsync("""{"pk":{"s":"b"},"other":{"s":"x"}}""", """{"sk":{"n":"5"}}""");

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"{file}:2: sort key 'sk' is missing", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{file}:3: partition key 'pk' is missing", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, run.Json().GetProperty("itemsDeadLettered").GetInt64());
        Assert.Equal(["a|1", "c|3"], await _rig.KeysAsync(table));
    }

    [Fact]
    public async Task Import_AFewKeysOfTheWrongType_AreSetAsideNamingBothTypes()
    {
        // A minority of the first records: most of them wrongly keyed would refuse the whole import before writing
        // (the key-schema check, ImportRefusalAndStopTests), so the good ones here outnumber the bad.
        var (file, table, run) = await ImportAroundAsync(
            """{"pk":{"n":"2"},"sk":{"n":"2"}}""",
            """{"pk":{"s":"b"},"sk":{"s":"3"}}""",
            """{"pk":{"s":""},"sk":{"n":"4"}}""",
            Line("e", 5), Line("g", 7), Line("i", 9));

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"{file}:2: partition key 'pk' is N, the table's key type is S", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{file}:3: sort key 'sk' is S, the table's key type is N", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{file}:4: partition key 'pk' is empty", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(["a|1", "c|3", "e|5", "g|7", "i|9"], await _rig.KeysAsync(table));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n   \n\t\n\r\n")]
    public async Task Import_AnEmptyOrBlankFileInAFolder_IsNoItemAndNoError_AndTheOtherFilesLand(string content)
    {
        _rig.WriteLines("source/good.json", Line("a", 1), Line("c", 3));
        string empty = _rig.Temp.Combine("source", "a-empty.json");
        await File.WriteAllTextAsync(empty, content);
        string table = await _rig.CreateTableAsync();

        var run = await _rig.ImportAsync(_rig.Temp.Combine("source"), table);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("a-empty.json:", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, run.Json().GetProperty("badLines").GetInt64());
        Assert.Equal(["a|1", "c|3"], await _rig.KeysAsync(table));
    }

    [Fact]
    public async Task Import_DuplicateKeysInOneFile_TheLastWriteInInputOrderWins_AndAdjacentOnesAreCounted()
    {
        // Each of 300 keys written five times: the copies close together fall in one batch (replaced before sending,
        // and counted); the rounds 300 lines apart are separate writes, applied in input order.
        var lines = new List<string>();
        for (int round = 1; round <= 5; round++)
        {
            for (int k = 0; k < 300; k++)
            {
                lines.Add(Line($"k{k}", k, $"\"v\":{{\"n\":\"{round}\"}}"));
            }
        }
        lines.Add(Line("k0", 0, "\"v\":{\"n\":\"6\"}"));
        lines.Add(Line("k0", 0, "\"v\":{\"n\":\"7\"}"));
        string file = _rig.WriteLines("dups.json", [.. lines]);
        string table = await _rig.CreateTableAsync();

        var run = await _rig.ImportAsync(file, table);

        Assert.True(run.ExitCode == 0, run.ToString());
        var summary = run.Json();
        Assert.Equal(1502, summary.GetProperty("itemsRead").GetInt64());
        Assert.True(summary.GetProperty("itemsDeduplicated").GetInt64() >= 1, run.Stdout);
        Assert.Equal(1502, summary.GetProperty("itemsWritten").GetInt64() + summary.GetProperty("itemsDeduplicated").GetInt64());
        var items = await _rig.ScanAsync(table);
        Assert.Equal(300, items.Count);
        Assert.All(items, i => Assert.Equal(i["pk"].S == "k0" ? "7" : "5", i["v"].N));
    }

    [Fact]
    public async Task Import_CsvWithAnUnbalancedQuote_NamesTheLineTheQuoteOpenedOn_AndTheOtherRowsLand()
    {
        string schema = _rig.WriteLines("schema.json", """{"columns":[{"name":"sk","type":"N"}]}""");
        string file = _rig.WriteLines("items.csv", "pk,sk,v", "a,1,x", "b,2,\"unclosed", "c,3,y", "d,4,\"two", "lines\"");
        string table = await _rig.CreateTableAsync();

        var run = await _rig.ImportAsync(file, table, "--format", "csv", "--csv-schema", schema);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"{file}:3: column 'v': a quoted field is not closed on line 3, where it opens: the next quote, on line 5, is followed by 'two'; reading on from line 4", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, run.Json().GetProperty("badLines").GetInt64());
        Assert.Equal(["a|1", "c|3", "d|4"], await _rig.KeysAsync(table));
        Assert.Equal("two\nlines", (await _rig.ScanAsync(table)).Single(i => i["pk"].S == "d")["v"].S);
    }
}
