using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Parquet;
using Parquet;
using Parquet.Schema;

namespace DynamoDb.Connector.Formats.Tests.Parquet;

/// <summary>The Parquet schema file: its parsing, and a writer held to the columns it gives.</summary>
public class ParquetSchemaFileTests
{
    private const string Schema = """
        {"nulls": "null", "columns": [{"name": "pk", "type": "string"}, {"name": "n", "type": "int64"}, {"name": "price", "type": "decimal(38,2)"},
          {"name": "doc", "type": "struct<name: string, tags: list<string>>"}, {"name": "counts", "type": "map<string, int64>"}, {"name": "raw", "type": "BS"}]}
        """;

    private static AttributeValue S(string s) => new() { S = s };

    [Fact]
    public void Parse_ReadsNullsAndColumns()
    {
        var schema = ParquetSchemaFile.Parse(Schema);

        Assert.Equal(ParquetNulls.Null, schema.Nulls);
        Assert.Equal(["pk", "n", "price", "doc", "counts", "raw"], schema.Columns.Select(c => c.Name));
    }

    [Theory]
    [InlineData("""{"columns": [{"name": "n", "type": "N"}]}""", "column 'n', type \"N\": N does not say one Parquet type: use int64 or decimal(38,s)")]
    [InlineData("""{"columns": [{"name": "d", "type": "struct<a: int64"}]}""", "column 'd', type \"struct<a: int64\": '>' expected at the end")]
    [InlineData("""{"columns": [{"name": "a", "type": "string"}, {"name": "a", "type": "int64"}]}""", "column 'a' is listed twice")]
    [InlineData("""{"nulls": "drop"}""", "\"nulls\" is omit or null")]
    [InlineData("""{"colums": []}""", "unknown property \"colums\"")]
    public void Parse_ABadSchema_IsRefusedNamingTheFileAndTheProblem(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ParquetSchemaFile.Parse(json, "s.json"));

        Assert.StartsWith("s.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadJson_NamesTheFileLineAndPosition_AsTheCsvSchemaDoes()
    {
        const string Json = "{\"columns\": [\n  }";

        var parquet = Assert.Throws<FormatException>(() => ParquetSchemaFile.Parse(Json, "s.json"));
        var csv = Assert.Throws<FormatException>(() => CsvSchema.Parse(Json, "s.json"));

        Assert.Equal("s.json: not valid JSON at line 2, position 3: '}' is an invalid start of a value", parquet.Message);
        Assert.Equal(csv.Message, parquet.Message);
    }

    [Fact]
    public void Parse_CommentsAndTrailingCommas_AreAllowed()
    {
        var schema = ParquetSchemaFile.Parse("""
            // written by hand
            {"nulls": "omit", "columns": [{"name": "pk", "type": "string"},],}
            """);

        Assert.Equal(ParquetNulls.Omit, schema.Nulls);
        Assert.Equal(["pk"], schema.Columns.Select(c => c.Name));
    }

    [Fact]
    public async Task Writer_WithAGivenSchema_WritesItsColumns_AndAnAttributeAnItemLacksIsNull()
    {
        var stream = new MemoryStream();
        await using (var writer = ParquetFiles.OpenWriter(stream, new ParquetWriterOptions { Schema = ParquetSchemaFile.Parse(Schema) }, leaveOpen: true))
        {
            await writer.WriteAsync(new ItemRecord(new() { ["pk"] = S("a"), ["n"] = new() { N = "1" }, ["doc"] = new() { M = new() { ["name"] = S("x") } } }, 0));
            await writer.CompleteAsync();
        }

        stream.Position = 0;
        await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true);
        Assert.Equal(["pk", "n", "price", "doc", "counts", "raw"], reader.Schema.Fields.Select(f => f.Name));
        Assert.IsType<DecimalDataField>(reader.Schema.Fields[2]);
        Assert.IsType<MapField>(reader.Schema.Fields[4]);
        stream.Position = 0;
        await using var items = ParquetFiles.OpenReader(stream, new ItemReaderOptions { LeaveOpen = true }, ParquetNulls.Null);
        var item = (await items.ReadAsync())!.Item;
        Assert.True(item["price"].NULL);
        Assert.True(item["doc"].M["tags"].NULL);
        Assert.Equal("x", item["doc"].M["name"].S);
    }

    [Fact]
    public async Task Writer_WithAGivenSchema_AnItemThatDoesNotFit_IsRefusedNamingRowAndAttribute()
    {
        await using var writer = ParquetFiles.OpenWriter(new MemoryStream(), new ParquetWriterOptions { Schema = ParquetSchemaFile.Parse(Schema) });
        await writer.WriteAsync(new ItemRecord(new() { ["pk"] = S("a") }, 0));

        var extra = await Assert.ThrowsAsync<FormatException>(() => writer.WriteAsync(new ItemRecord(new() { ["pk"] = S("b"), ["other"] = S("x") }, 0)).AsTask());
        var wrong = await Assert.ThrowsAsync<FormatException>(() => writer.WriteAsync(new ItemRecord(new() { ["pk"] = S("c"), ["price"] = new() { N = "1.255" } }, 0)).AsTask());

        Assert.Contains("row 2, attribute 'other': the attribute is not in the file's schema, which the Parquet schema file gives", extra.Message, StringComparison.Ordinal);
        Assert.Contains("row 2, attribute 'price': price: the number 1.255 does not fit its column, decimal(38,2)", wrong.Message, StringComparison.Ordinal);
    }
}
