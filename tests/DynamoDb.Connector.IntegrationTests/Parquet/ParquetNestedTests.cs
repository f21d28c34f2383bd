using System.Text.Json;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Parquet;

/// <summary>
/// Nested Parquet values with nulls at every depth, as DuckDB writes them, read through the real CLI: each null is
/// where the file says (Parquet.Net 6.1.0's untyped reader made a null struct in a list an empty map, dropped nulls of
/// nested lists, and could not read a map of structs).
/// </summary>
public sealed class ParquetNestedTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<JsonElement> ConvertAsync(string select, params string[] options)
    {
        string file = _temp.Combine($"nested-{Guid.NewGuid():N}.parquet"), output = _temp.Combine($"out-{Guid.NewGuid():N}.json");
        await DuckDb.RunAsync($"COPY ({select}) TO {DuckDb.Quote(file)} (FORMAT PARQUET)");
        var convert = await CliRunner.RunAsync(["convert", "--source", file, "--destination", output, "--to", "ddb-json", .. options]);
        Assert.True(convert.ExitCode == 0, convert.ToString());
        using var json = JsonDocument.Parse((await File.ReadAllLinesAsync(output)).Single());
        return json.RootElement.GetProperty("Item").Clone();
    }

    [Fact]
    public async Task Convert_NullStructInAList_IsNull_NotAnEmptyMap()
    {
        var item = await ConvertAsync("SELECT 1 AS id, [{'x': 1}, NULL, {'x': NULL}] AS l");

        Assert.Equal("""{"L":[{"M":{"x":{"N":"1"}}},{"NULL":true},{"M":{}}]}""", item.GetProperty("l").GetRawText());
    }

    [Fact]
    public async Task Convert_NullStructInAList_WithNullsNull_KeepsTheNullFieldOfTheStructThatIsThere()
    {
        var item = await ConvertAsync("SELECT 1 AS id, [{'x': 1}, NULL, {'x': NULL}] AS l", "--nulls", "null");

        Assert.Equal("""{"L":[{"M":{"x":{"N":"1"}}},{"NULL":true},{"M":{"x":{"NULL":true}}}]}""", item.GetProperty("l").GetRawText());
    }

    [Fact]
    public async Task Convert_NestedListsWithNulls_KeepEveryPositionAndTellNullFromEmpty()
    {
        var item = await ConvertAsync("SELECT 1 AS id, [[1, NULL], NULL, []] AS ll, []::INTEGER[] AS empty, NULL::INTEGER[] AS none");

        Assert.Equal("""{"L":[{"L":[{"N":"1"},{"NULL":true}]},{"NULL":true},{"L":[]}]}""", item.GetProperty("ll").GetRawText());
        Assert.Equal("""{"L":[]}""", item.GetProperty("empty").GetRawText());
        Assert.False(item.TryGetProperty("none", out _));
    }

    [Fact]
    public async Task Convert_MapOfStructs_AndStructOfListsAndStructs_ReadWithTheirNulls()
    {
        var item = await ConvertAsync("SELECT 1 AS id, MAP {'a': {'x': 1}, 'b': NULL} AS m, {'p': [1, NULL], 'q': NULL::STRUCT(z INTEGER), 'r': {'z': 2}} AS st", "--nulls", "null");

        Assert.Equal("""{"M":{"a":{"M":{"x":{"N":"1"}}},"b":{"NULL":true}}}""", item.GetProperty("m").GetRawText());
        Assert.Equal("""{"M":{"p":{"L":[{"N":"1"},{"NULL":true}]},"q":{"NULL":true},"r":{"M":{"z":{"N":"2"}}}}}""", item.GetProperty("st").GetRawText());
    }

    [Fact]
    public async Task Convert_ToParquetWithAGivenSchema_WritesItsColumnsAndTypes_DuckDbReadsThem()
    {
        string source = _temp.Combine("given.json"), schema = _temp.Combine("schema.json"), output = _temp.Combine("given.parquet");
        await File.WriteAllLinesAsync(source, [
            """{"Item":{"pk":{"S":"a"},"n":{"N":"7"},"doc":{"M":{"name":{"S":"x"},"tags":{"SS":["t"]}}}}}""",
            """{"Item":{"pk":{"S":"b"},"price":{"N":"1.5"}}}""",
        ]);
        await File.WriteAllTextAsync(schema, """{"columns": [{"name": "pk", "type": "string"}, {"name": "n", "type": "int64"}, {"name": "price", "type": "decimal(38,2)"}, {"name": "doc", "type": "struct<name: string, tags: list<string>>"}]}""");

        var convert = await CliRunner.RunAsync("convert", "--source", source, "--destination", output, "--to", "parquet", "--parquet-schema", schema);

        Assert.True(convert.ExitCode == 0, convert.ToString());
        var types = await DuckDb.RunAsync($"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {DuckDb.Quote(output)})");
        Assert.Equal(["pk VARCHAR", "n BIGINT", "price DECIMAL(38,2)", "doc STRUCT(\"name\" VARCHAR, tags VARCHAR[])"],
            types.EnumerateArray().Select(t => $"{t.GetProperty("column_name").GetString()} {t.GetProperty("column_type").GetString()}"));
        var rows = await DuckDb.RunAsync($"SELECT pk, n, price::VARCHAR AS price, doc.name AS name, doc.tags AS tags FROM {DuckDb.Quote(output)} ORDER BY pk");
        Assert.Equal("7", rows[0].GetProperty("n").ToString());
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("price").ValueKind); // an attribute the item lacks is null
        Assert.Equal("x", rows[0].GetProperty("name").GetString());
        Assert.Equal("""["t"]""", rows[0].GetProperty("tags").GetRawText());
        Assert.Equal("1.50", rows[1].GetProperty("price").GetString());
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("name").ValueKind);
    }

    [Fact]
    public async Task Convert_ToParquetWithAGivenSchema_AnItemThatDoesNotFit_FailsNamingRowAndAttribute()
    {
        string source = _temp.Combine("misfit.json"), schema = _temp.Combine("schema.json"), output = _temp.Combine("misfit.parquet");
        await File.WriteAllLinesAsync(source, ["""{"Item":{"pk":{"S":"a"},"n":{"N":"1"}}}""", """{"Item":{"pk":{"S":"b"},"n":{"S":"one"}}}"""]);
        await File.WriteAllTextAsync(schema, """{"columns": [{"name": "pk", "type": "string"}, {"name": "n", "type": "int64"}]}""");

        var convert = await CliRunner.RunAsync("convert", "--source", source, "--destination", output, "--to", "parquet", "--parquet-schema", schema);

        Assert.NotEqual(0, convert.ExitCode);
        Assert.Contains("row 2, attribute 'n': n holds S, but its column was made int64, which the Parquet schema file gives", convert.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_ToParquet_AnAttributeANumberInOneItemAndAMapInAnother_IsDynamoDbJsonText_NamedOnStderr()
    {
        string source = _temp.Combine("mixed.json"), output = _temp.Combine("mixed.parquet");
        await File.WriteAllLinesAsync(source, ["""{"Item":{"pk":{"S":"a"},"v":{"N":"1"}}}""", """{"Item":{"pk":{"S":"b"},"v":{"M":{"x":{"S":"y"}}}}}"""]);

        var convert = await CliRunner.RunAsync("convert", "--source", source, "--destination", output, "--to", "parquet");

        Assert.True(convert.ExitCode == 0, convert.ToString());
        Assert.Contains("attribute 'v' is written as its DynamoDB JSON text in a string column", convert.Stderr, StringComparison.Ordinal);
        Assert.Contains("v holds M, where other values of it hold int64", convert.Stderr, StringComparison.Ordinal);
        var rows = await DuckDb.RunAsync($"SELECT v FROM {DuckDb.Quote(output)} ORDER BY pk");
        Assert.Equal("""{"N":"1"}""", rows[0].GetProperty("v").GetString());
        Assert.Equal("""{"M":{"x":{"S":"y"}}}""", rows[1].GetProperty("v").GetString());
    }

    [Fact]
    public async Task Convert_NullsInTheSchemaFile_MakeNullsNull_AndTheFlagWinsOverTheFile()
    {
        string schema = _temp.Combine("nulls.json");
        await File.WriteAllTextAsync(schema, """{"nulls": "null"}""");

        var fromFile = await ConvertAsync("SELECT 1 AS id, NULL::INTEGER AS gone", "--parquet-schema", schema);
        var flagWins = await ConvertAsync("SELECT 1 AS id, NULL::INTEGER AS gone", "--parquet-schema", schema, "--nulls", "omit");

        Assert.Equal("""{"NULL":true}""", fromFile.GetProperty("gone").GetRawText());
        Assert.False(flagWins.TryGetProperty("gone", out _));
    }
}
