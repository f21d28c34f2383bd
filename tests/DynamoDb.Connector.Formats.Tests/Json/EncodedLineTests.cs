using System.Text;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Formats.Lines;
using static DynamoDb.Connector.Formats.Tests.Lines.ItemFilesTestKit;

namespace DynamoDb.Connector.Formats.Tests.Json;

/// <summary>What transcoding a line into its canonical bytes must get right beyond the generated items (EncodedReadProperties).</summary>
public class EncodedLineTests
{
    private static ItemRecord Parse(ItemFileFormat format, string line) => new JsonItemParser(format).Parse(Encoding.UTF8.GetBytes(line), 1);

    private static string Json(ItemRecord record) => Encoding.UTF8.GetString(Assert.IsType<Formats.Items.EncodedItem>(record.Encoded).Json.Span);

    private static string Reason(ItemFileFormat format, string line) =>
        Assert.Throws<AttributePathException>(() => Parse(format, line)).Reason;

    [Fact]
    public void Parse_DuplicateNameInALargeMap_IsRefusedWithItsPath()
    {
        var names = Enumerable.Range(0, 40).Select(i => $"\"a{i}\":{{\"N\":\"{i}\"}}").ToList();
        names.Insert(30, "\"a3\":{\"S\":\"again\"}");
        string map = "{" + string.Join(',', names) + "}";

        Assert.Equal("attribute 'a3': appears twice in the same map", Reason(ItemFileFormat.DynamoDbJson, $"{{\"Item\":{map}}}"));
        Assert.Equal("attribute 'm.a3': appears twice in the same map", Reason(ItemFileFormat.DataPipeline, $"{{\"pk\":{{\"S\":\"x\"}},\"m\":{{\"M\":{map}}}}}"));
    }

    [Fact]
    public void Parse_LargeMapsNestedInEachOther_KeepTheirNamesApart()
    {
        string Map(string prefix, string? nested) => "{" + string.Join(',', Enumerable.Range(0, 20).Select(i => $"\"{prefix}{i}\":{{\"N\":\"{i}\"}}"))
            + (nested is null ? "" : $",\"inner\":{{\"M\":{nested}}}") + "}";
        // The inner maps reuse the outer names: in their own maps they are no duplicates.
        string line = Map("a", Map("a", Map("a", null)));

        var item = Parse(ItemFileFormat.DataPipeline, line).Item;

        Assert.Equal(21, item.Count);
        Assert.Equal(21, item["inner"].M.Count);
    }

    [Fact]
    public void Parse_SameNameSpelledWithAnEscape_IsADuplicate() =>
        Assert.Equal("attribute 'a': appears twice in the same map", Reason(ItemFileFormat.DynamoDbJson, "{\"Item\":{\"a\":{\"S\":\"x\"},\"\\u0061\":{\"S\":\"y\"}}}"));

    [Fact]
    public async Task Read_LegacyLineAfterABadLine_KeepsNothingOfTheBadLine()
    {
        // The bad line stops inside its map after "pk" was taken; the legacy line's own "pk" is not a duplicate of it.
        byte[] file = Encoding.UTF8.GetBytes("{\"pk\":{\"S\":\"a\"},\"x\":{\"N\":\"bad\"}}\npk\u0003{\"S\":\"b\"}\u0002n\u0003{\"N\":\"1\"}\n");
        var errors = new List<RecordError>();

        var records = await ReadAllAsync(file, ItemFileFormat.DataPipeline, new ItemReaderOptions { BadRecords = BadRecordHandling.Skip, OnBadRecord = errors.Add });

        Assert.Equal(1, Assert.Single(errors).Line);
        Assert.Equal("{\"pk\":{\"S\":\"b\"},\"n\":{\"N\":\"1\"}}", Json(Assert.Single(records)));
    }

    [Theory]
    [InlineData("AQ\\u0049D", "AQID")]
    [InlineData("AQ ID", "AQID")]
    [InlineData("AA\\u003d\\u003d", "AA==")]
    public void Parse_Base64SpelledOtherwise_IsWrittenCanonically(string given, string canonical) =>
        Assert.Equal($"{{\"b\":{{\"B\":\"{canonical}\"}}}}", Json(Parse(ItemFileFormat.DynamoDbJson, $"{{\"Item\":{{\"b\":{{\"b\":\"{given}\"}}}}}}")));

    [Fact]
    public void Parse_LoneSurrogateEscapeInBase64_IsABadValue() =>
        Assert.StartsWith("attribute 'b': the B value (\"\\ud800\") has the escape \\ud800", Reason(ItemFileFormat.DynamoDbJson, "{\"Item\":{\"b\":{\"B\":\"\\ud800\"}}}"));

    [Fact]
    public void Parse_StringsWithEscapesAndLineSeparators_AreEscapedAsTheFormatterEscapesThem() =>
        Assert.Equal(
            "{\"s\\n\":{\"S\":\"a\\u2028b\\u2029\\u0001\\\"é/\"},\"n\":{\"N\":\"1E5\"}}",
            Json(Parse(ItemFileFormat.DataPipeline, "{\"s\\u000a\":{\"s\":\"a\u2028b\\u2029\\u0001\\\"\\u00e9\\/\"},\"n\":{\"n\":\"\\u0031E5\"}}")));

    [Fact]
    public void Parse_EmrSpellingOfEveryType_IsWrittenWithDynamoDbTypeKeys() =>
        Assert.Equal(
            "{\"a\":{\"BOOL\":true},\"b\":{\"NULL\":true},\"c\":{\"NULL\":true},\"d\":{\"SS\":[\"x\"]},\"e\":{\"NS\":[\"1\"]},\"f\":{\"BS\":[\"AQ==\"]},\"g\":{\"L\":[]},\"h\":{\"M\":{}}}",
            Json(Parse(ItemFileFormat.DataPipeline, "{\"a\":{\"bOOL\":true},\"b\":{\"nULL\":true},\"c\":{\"nULLValue\":true},\"d\":{\"sS\":[\"x\"]},\"e\":{\"nS\":[\"1\"]},\"f\":{\"bS\":[\"AQ==\"]},\"g\":{\"l\":[]},\"h\":{\"m\":{}}}")));

    [Fact]
    public void Parse_IncrementalLines_EncodeOnlyPutsWithoutKeys()
    {
        const string Put = "{\"NewImage\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}},\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"7\"}}}";
        const string PutWithKeys = "{\"Keys\":{\"pk\":{\"S\":\"a\"}},\"NewImage\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}}";
        const string Delete = "{\"Keys\":{\"pk\":{\"S\":\"a\"}}}";

        var put = Parse(ItemFileFormat.DynamoDbJsonIncremental, Put);
        var putWithKeys = Parse(ItemFileFormat.DynamoDbJsonIncremental, PutWithKeys);
        var delete = Parse(ItemFileFormat.DynamoDbJsonIncremental, Delete);

        Assert.Equal("{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}", Json(put));
        Assert.Equal(7, put.WriteTimestampMicros);
        Assert.Null(putWithKeys.Encoded); // its Keys were compared with the item, which was built for that
        Assert.Equal(2, putWithKeys.Item.Count);
        Assert.Equal((RecordOperation.Delete, null), (delete.Operation, delete.Encoded));
        Assert.Equal("a", delete.Item["pk"].S);
    }
}
