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
}
