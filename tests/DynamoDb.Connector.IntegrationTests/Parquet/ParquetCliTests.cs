using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Parquet;

/// <summary>
/// Parquet through the real CLI against DuckDB: files DuckDB writes are detected, planned by row groups, estimated and
/// imported into dynalite item for item; what convert and export write, DuckDB reads back with the same values.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class ParquetCliTests(LocalServers servers) : IDisposable
{
    private readonly CliTestContext _c = new(servers);

    public void Dispose() => _c.Dispose();

    /// <summary>Every type the import maps, with nulls, nested lists, structs and maps; the file named .json so only the magic tells.</summary>
    private async Task<string> EveryTypeFileAsync()
    {
        string file = _c.Temp.Combine("every-type.json");
        await DuckDb.RunAsync($$"""
            COPY (SELECT i::INTEGER AS id, 'name ' || i AS name, i * 1.5 AS ratio, 0.1::FLOAT AS small,
                12.340::DECIMAL(10,3) AS price, 12345678901234567890123456.789012::DECIMAL(38,6) AS big,
                i % 2 = 0 AS even, CASE WHEN i % 2 = 0 THEN NULL ELSE i END AS odd, '\x01\x02'::BLOB AS raw,
                [1, 2, i] AS list, {'a': i, 's': 'x'} AS struct, MAP {'k1': i, 'k2': 2} AS map,
                [{'x': i}] AS list_of_structs, DATE '2024-01-02' AS day,
                TIMESTAMP '2024-01-02 03:04:05.123456' AS at, 9223372036854775807::BIGINT AS max_long
              FROM range(1, 4) t(i)) TO {{DuckDb.Quote(file)}} (FORMAT PARQUET)
            """);
        return file;
    }

    [Fact]
    public async Task Import_DuckDbFileOfEveryType_PutsEqualItems()
    {
        string file = await EveryTypeFileAsync();
        string table = LocalServers.UniqueName("parquet");

        var run = await CliProcess.RunAsync(servers, ["import", "--source", file, "--table", table, "--create-table", "--key", "id:N", "--write-capacity", "5000", "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var items = (await TestTables.ScanAsync(_c.DynamoDb, table)).OrderBy(i => int.Parse(i["id"].N)).ToList();
        Assert.Equal(3, items.Count);
        var one = items[0];
        Assert.Equal("name 1", one["name"].S);
        Assert.Equal("1.5", one["ratio"].N);
        Assert.Equal("0.1", one["small"].N);
        Assert.Equal("12.34", one["price"].N); // DynamoDB keeps numbers without trailing zeros; the reader gives 12.340 (Formats tests)
        Assert.Equal("12345678901234567890123456.789012", one["big"].N);
        Assert.False(one["even"].BOOL);
        Assert.Equal("1", one["odd"].N);
        Assert.False(items[1].ContainsKey("odd")); // a null is left out by default
        Assert.Equal([1, 2], one["raw"].B.ToArray());
        Assert.Equal(["1", "2", "1"], one["list"].L.Select(v => v.N));
        Assert.Equal("1", one["struct"].M["a"].N);
        Assert.Equal("x", one["struct"].M["s"].S);
        Assert.Equal("2", one["map"].M["k2"].N);
        Assert.Equal("1", one["list_of_structs"].L[0].M["x"].N);
        Assert.Equal("2024-01-02", one["day"].S);
        Assert.Equal("2024-01-02T03:04:05.123456", one["at"].S);
        Assert.Equal("9223372036854775807", one["max_long"].N);
    }

    [Fact]
    public async Task Convert_WithNullsNull_WritesNullAttributes_AndByDefaultLeavesThemOut()
    {
        string file = await EveryTypeFileAsync(), asNull = _c.Temp.Combine("null.json"), omitted = _c.Temp.Combine("omit.json");

        var withNull = await CliRunner.RunAsync("convert", "--source", file, "--destination", asNull, "--to", "ddb-json", "--nulls", "null");
        var byDefault = await CliRunner.RunAsync("convert", "--source", file, "--destination", omitted, "--to", "ddb-json");

        Assert.True(withNull.ExitCode == 0, withNull.ToString());
        Assert.True(byDefault.ExitCode == 0, byDefault.ToString());
        string second = (await File.ReadAllLinesAsync(asNull))[1];
        Assert.Contains("\"odd\":{\"NULL\":true}", second, StringComparison.Ordinal);
        Assert.DoesNotContain("\"odd\"", (await File.ReadAllLinesAsync(omitted))[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Estimate_FileNamedJson_IsDetectedAsParquetByItsMagic()
    {
        string file = await EveryTypeFileAsync();

        var estimate = await CliRunner.RunAsync("estimate", "--source", file, "--json");

        Assert.True(estimate.ExitCode == 0, estimate.ToString());
        using var json = JsonDocument.Parse(estimate.Stdout);
        Assert.Equal("parquet", json.RootElement.GetProperty("format").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("items").GetInt64());
    }

    [Fact]
    public async Task PlanAndImport_FileOfSeveralRowGroups_SplitsByRowGroups_AndPutsEveryRow()
    {
        string file = _c.Temp.Combine("groups.parquet");
        await DuckDb.RunAsync($"COPY (SELECT i AS id, repeat('x', 200) || i AS pad FROM range(6144) t(i)) TO {DuckDb.Quote(file)} (FORMAT PARQUET, ROW_GROUP_SIZE 2048, COMPRESSION 'uncompressed')");
        var groups = await DuckDb.RunAsync($"SELECT DISTINCT row_group_id FROM parquet_metadata({DuckDb.Quote(file)})");
        Assert.Equal(3, groups.GetArrayLength());

        var plan = await CliRunner.RunAsync("plan", "--source", file, "--split-size-mb", "0.0625", "--json");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        using (var json = JsonDocument.Parse(plan.Stdout))
        {
            Assert.Equal(3, json.RootElement.GetProperty("splits").GetArrayLength());
        }

        string table = LocalServers.UniqueName("groups");
        var run = await CliProcess.RunAsync(servers, ["import", "--source", file, "--table", table, "--create-table", "--key", "id:N", "--split-size-mb", "0.0625", "--write-capacity", "40000", "--json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var items = await TestTables.ScanAsync(_c.DynamoDb, table);
        Assert.Equal(6144, items.Count);
        Assert.Equal(Enumerable.Range(0, 6144).Select(i => i.ToString()), items.Select(i => i["id"].N).OrderBy(int.Parse));
    }

    [Fact]
    public async Task Convert_NaNInAFloatColumn_IsRefusedNamingFileRowAndColumn()
    {
        string file = _c.Temp.Combine("nan.parquet"), output = _c.Temp.Combine("out.json");
        await DuckDb.RunAsync($"COPY (SELECT i AS id, CASE WHEN i = 2 THEN 'NaN'::DOUBLE ELSE i END AS score FROM range(1, 4) t(i)) TO {DuckDb.Quote(file)} (FORMAT PARQUET)");

        var convert = await CliRunner.RunAsync("convert", "--source", file, "--destination", output, "--to", "ddb-json");

        Assert.NotEqual(0, convert.ExitCode);
        Assert.Contains("nan.parquet", convert.Stderr, StringComparison.Ordinal);
        Assert.Contains("row 2", convert.Stderr, StringComparison.Ordinal);
        Assert.Contains("column 'score'", convert.Stderr, StringComparison.Ordinal);
        Assert.Contains("NaN", convert.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_ToParquet_DuckDbReadsTheSameValues()
    {
        string source = _c.Temp.Combine("items.json"), output = _c.Temp.Combine("items.parquet");
        await File.WriteAllLinesAsync(source, Enumerable.Range(1, 5).Select(i =>
            """{"Item":{"pk":{"S":"k#"},"n":{"N":"#"},"price":{"N":"#.25"},"ok":{"BOOL":OK},"raw":{"B":"AQI="},"tags":{"SS":["a","b#"]},"nested":{"M":{"x":{"S":"y"}}}}}"""
                .Replace("#", i.ToString(), StringComparison.Ordinal).Replace("OK", i % 2 == 0 ? "true" : "false", StringComparison.Ordinal)));

        var convert = await CliRunner.RunAsync("convert", "--source", source, "--destination", output, "--to", "parquet");

        Assert.True(convert.ExitCode == 0, convert.ToString());
        Assert.Contains("sets (SS, NS, BS) become lists", convert.Stderr, StringComparison.Ordinal);
        var rows = await DuckDb.RunAsync($"SELECT pk, n, price::VARCHAR AS price, ok, hex(raw) AS raw, tags, nested FROM {DuckDb.Quote(output)} ORDER BY n");
        Assert.Equal(5, rows.GetArrayLength());
        var third = rows[2];
        Assert.Equal("k3", third.GetProperty("pk").GetString());
        Assert.Equal("3", third.GetProperty("n").ToString());
        Assert.Equal("3.25", third.GetProperty("price").GetString());
        Assert.False(third.GetProperty("ok").GetBoolean());
        Assert.Equal("0102", third.GetProperty("raw").GetString());
        Assert.Equal(["a", "b3"], third.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!));
        Assert.Equal("y", third.GetProperty("nested").GetProperty("x").GetString()); // a map is a struct
    }

    [Fact]
    public async Task Export_ToParquet_DuckDbReadsEveryItemWithItsValues()
    {
        string table = LocalServers.UniqueName("export-parquet"), folder = _c.Temp.Combine("out");
        await TestTables.CreateTableAsync(_c.DynamoDb, table);
        await TestTables.PutAllAsync(_c.DynamoDb, table, TestTables.EveryType());

        var run = await CliProcess.RunAsync(servers, ["export", "--table", table, "--destination", folder, "--format", "parquet", "--segments", "2", "--read-capacity", "2000", "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("sets (SS, NS, BS) become lists", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("attribute 'nested' is written as its DynamoDB JSON text", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("nested.list[1] holds N, where other values of it hold string", run.Stderr, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFiles(folder, "*.parquet"));
        var rows = await DuckDb.RunAsync($"SELECT pk, sk, s, bool, hex(b) AS b, ss, n38, nested, list_transform(bs, x -> hex(x)) AS bs FROM read_parquet({DuckDb.Quote(Path.Combine(folder, "*.parquet"))}, union_by_name = true) ORDER BY sk");
        Assert.Equal(40, rows.GetArrayLength());
        var expected = TestTables.EveryType().OrderBy(i => int.Parse(i["sk"].N)).ToList();
        for (int i = 0; i < 40; i++)
        {
            var row = rows[i];
            var item = expected[i];
            Assert.Equal(item["pk"].S, row.GetProperty("pk").GetString());
            Assert.Equal(item["sk"].N, row.GetProperty("sk").ToString());
            Assert.Equal(item["s"].S, row.GetProperty("s").GetString());
            Assert.Equal(item["bool"].BOOL, row.GetProperty("bool").GetBoolean());
            Assert.Equal(Convert.ToHexString(item["b"].B.ToArray()), row.GetProperty("b").GetString());
            Assert.Equal(item["ss"].SS.Order(), row.GetProperty("ss").EnumerateArray().Select(e => e.GetString()!).Order());
            Assert.Equal(["01", "0203"], row.GetProperty("bs").EnumerateArray().Select(e => e.GetString()!).Order());
            // 38 digits do not fit a .NET decimal, and nested.list mixes S, N and M: each is its DynamoDB JSON text, exactly.
            Assert.Equal($$"""{"N":"{{item["n38"].N}}"}""", row.GetProperty("n38").GetString());
            Assert.Contains("\"deep\":{\"L\":[{\"BOOL\":false},{\"NULL\":true}]}", row.GetProperty("nested").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Export_NestedListsMapsAndSets_AreNativeParquet_DuckDbReadsTheTablesValues()
    {
        string table = LocalServers.UniqueName("export-nested"), folder = _c.Temp.Combine("nested");
        await TestTables.CreateTableAsync(_c.DynamoDb, table);
        var items = Enumerable.Range(0, 30).Select(i => new Dictionary<string, AttributeValue>
        {
            ["pk"] = new() { S = "nested" },
            ["sk"] = new() { N = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["doc"] = new() { M = new() { ["name"] = new() { S = $"n{i}" }, ["tags"] = new() { SS = ["a", $"t{i}"] }, ["price"] = new() { N = $"{i}.25" } } },
            ["events"] = new() { L = [new() { M = new() { ["at"] = new() { N = $"{i}" } } }, new() { NULL = true }] },
            ["grid"] = new() { L = [new() { L = [new() { N = "1" }, new() { N = $"{i}" }] }, new() { L = [] }] },
            ["sizes"] = new() { NS = ["1", $"{i + 2}"] },
        }).ToList();
        await TestTables.PutAllAsync(_c.DynamoDb, table, items);

        var run = await CliProcess.RunAsync(servers, ["export", "--table", table, "--destination", folder, "--format", "parquet", "--segments", "2", "--read-capacity", "2000", "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("DynamoDB JSON text in a string column (", run.Stderr, StringComparison.Ordinal); // nothing fell back
        var rows = await DuckDb.RunAsync($"""
            SELECT sk, typeof(doc) AS doc_type, doc.name AS name, list_sort(doc.tags) AS tags, doc.price::VARCHAR AS price,
                   events[1].at AS at, events[2] IS NULL AS second_null, len(events) AS event_count, grid, list_sort(sizes) AS sizes
            FROM read_parquet({DuckDb.Quote(Path.Combine(folder, "*.parquet"))}) ORDER BY sk
            """);
        Assert.Equal(30, rows.GetArrayLength());
        for (int i = 0; i < 30; i++)
        {
            var row = rows[i];
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), row.GetProperty("sk").ToString());
            Assert.StartsWith("STRUCT(", row.GetProperty("doc_type").GetString(), StringComparison.Ordinal);
            Assert.Equal($"n{i}", row.GetProperty("name").GetString());
            Assert.Equal(["a", $"t{i}"], row.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal));
            Assert.Equal($"{i}.25", row.GetProperty("price").GetString());
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), row.GetProperty("at").ToString());
            Assert.True(row.GetProperty("second_null").GetBoolean());
            Assert.Equal("2", row.GetProperty("event_count").ToString());
            Assert.Equal($"""[["1","{i}"],[]]""", row.GetProperty("grid").GetRawText()); // int64: DuckDB's JSON gives big integers as strings
            Assert.Equal(["1", (i + 2).ToString(System.Globalization.CultureInfo.InvariantCulture)], row.GetProperty("sizes").EnumerateArray().Select(e => e.ToString()).OrderBy(int.Parse));
        }
    }
}
