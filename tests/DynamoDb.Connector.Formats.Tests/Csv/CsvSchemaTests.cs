using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Items;
using static DynamoDb.Connector.Formats.Tests.Csv.CsvTestKit;

namespace DynamoDb.Connector.Formats.Tests.Csv;

public class CsvSchemaTests
{
    [Fact]
    public async Task LoadAsync_SchemaFile_ReadsEveryOption()
    {
        await using var file = File.OpenRead(DataPath("Csv/typed.schema.json"));
        var schema = await CsvSchema.LoadAsync(file, "typed.schema.json");

        Assert.True(schema.HasHeaderRow);
        Assert.Equal(',', schema.Delimiter);
        Assert.Equal(';', schema.ListDelimiter);
        Assert.Equal(CsvEmptyCells.EmptyString, schema.EmptyCells);
        Assert.Equal(10, schema.Columns.Count);
        Assert.Equal(new CsvColumn("map", AttributeKind.M), schema.Columns[9]); // type names are case-insensitive
        Assert.Equal(AttributeKind.Bool, schema.TypeOf("flag"));
        Assert.Equal(AttributeKind.S, schema.TypeOf("not-listed"));
    }

    [Fact]
    public void Parse_Defaults_AreNativeImportBehaviour()
    {
        var schema = CsvSchema.Parse("{}");
        Assert.True(schema.HasHeaderRow);
        Assert.Equal(',', schema.Delimiter);
        Assert.Equal(';', schema.ListDelimiter);
        Assert.Equal(CsvEmptyCells.EmptyString, schema.EmptyCells);
        Assert.Empty(schema.Columns);
    }

    [Theory]
    [InlineData("{\"delimeter\":\";\"}", "unknown property \"delimeter\"")]
    [InlineData("{\"columns\":[{\"name\":\"n\",\"type\":\"INT\"}]}", "column 1 'n': unknown type 'INT'")]
    [InlineData("{\"columns\":[{\"type\":\"N\"}]}", "column 1 has no \"name\"")]
    [InlineData("{\"columns\":[{\"name\":\"a\"},{\"name\":\"a\",\"type\":\"N\"}]}", "column 'a' is listed twice")]
    [InlineData("{\"delimiter\":\"\\\"\"}", "delimiter '\"' is not allowed")]
    [InlineData("{\"delimiter\":\";;\"}", "exactly one character")]
    [InlineData("{\"emptyCells\":\"skip\"}", "\"emptyCells\" is 'skip'")]
    [InlineData("{\"header\":false}", "needs its columns listed")]
    [InlineData("{\"header\":\"yes\"}", "\"header\" must be true or false")]
    [InlineData("[1]", "expected a JSON object")]
    [InlineData("{\"columns\":[}", "not valid JSON at line 1")]
    public void Parse_BadSchema_SaysWhereAndWhy(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => CsvSchema.Parse(json, "my.schema.json"));
        Assert.StartsWith("my.schema.json: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ToJson_ReadsBackAsTheSameSchema()
    {
        var schema = new CsvSchema
        {
            HasHeaderRow = false,
            Delimiter = '\t',
            ListDelimiter = '|',
            EmptyCells = CsvEmptyCells.Omit,
            Columns = [new("pk", AttributeKind.S), new("n", AttributeKind.N), new("flag", AttributeKind.Bool), new("nil", AttributeKind.Null)],
        };
        var back = CsvSchema.Parse(schema.ToJson());
        Assert.Equal(schema.ToJson(), back.ToJson());
        Assert.Equal(schema.Columns, back.Columns);
        Assert.Contains("\"type\": \"BOOL\"", schema.ToJson());
    }

    [Fact]
    public void Infer_UnionOfNamesInFirstSeenOrder_WithKinds()
    {
        var items = new[]
        {
            new Dictionary<string, AttributeValue> { ["pk"] = S("a"), ["n"] = N("1") },
            new Dictionary<string, AttributeValue> { ["pk"] = S("b"), ["tags"] = new() { SS = ["x"] }, ["m"] = new() { M = [] } },
            new Dictionary<string, AttributeValue> { ["n"] = N("2"), ["flag"] = new() { BOOL = false } },
        };
        var schema = CsvSchema.Infer(items);
        Assert.Equal(
            [new("pk", AttributeKind.S), new("n", AttributeKind.N), new("tags", AttributeKind.SS), new("m", AttributeKind.M), new("flag", AttributeKind.Bool)],
            schema.Columns);
        Assert.True(schema.HasHeaderRow);
        Assert.Equal(CsvEmptyCells.Omit, schema.EmptyCells);
    }

    [Fact]
    public void Infer_KindConflict_NamesTheAttribute()
    {
        var items = new[]
        {
            new Dictionary<string, AttributeValue> { ["v"] = S("a") },
            new Dictionary<string, AttributeValue> { ["v"] = N("1") },
        };
        var error = Assert.Throws<FormatException>(() => CsvSchema.Infer(items));
        Assert.Contains("'v' is S in an earlier item but N in item 2", error.Message);
    }
}
