using System.Text;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;

namespace DynamoDb.Connector.Formats.Tests.Json;

/// <summary>Errors say what is wrong in the file's own terms, never the JSON parser's counters (<c>Path: $ | LineNumber: 0 | BytePositionInLine: 1</c>).</summary>
public class PlainErrorTests
{
    private static void AssertPlain(string message)
    {
        Assert.DoesNotContain("LineNumber", message, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Path: $", message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", message, StringComparison.Ordinal);
        Assert.DoesNotContain("is JSON a", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"exportArn\":\"a\",\"itemCount\":\"many\"}", "a value has the wrong JSON type (field itemCount)")]
    [InlineData("{\"exportArn\":", "not a valid export summary")]
    [InlineData("nope", "not a valid export summary (line 1, column")]
    public async Task NativeExportSummary_BadJson_SaysWhatAndWhereInPlainWords(string content, string expected)
    {
        var error = await Assert.ThrowsAsync<FormatException>(() => NativeExport.ReadSummaryAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)), "manifest-summary.json"));

        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), error.Message);
        Assert.StartsWith("manifest-summary.json: ", error.Message, StringComparison.Ordinal);
        AssertPlain(error.Message);
    }

    [Fact]
    public async Task ExportManifest_BadJson_SaysWhatAndWhereInPlainWords()
    {
        var error = await Assert.ThrowsAsync<FormatException>(() => ExportManifest.ReadAsync(new MemoryStream("{\"version\":\"three\"}"u8.ToArray()), "manifest"));

        Assert.Contains("(field version)", error.Message, StringComparison.Ordinal);
        AssertPlain(error.Message);
    }

    [Fact]
    public void CsvSchema_BadJson_SaysWhereInPlainWords()
    {
        var error = Assert.Throws<FormatException>(() => CsvSchema.Parse("{\"columns\": [}", "schema.json"));

        Assert.Contains("schema.json: not valid JSON at line 1", error.Message, StringComparison.Ordinal);
        AssertPlain(error.Message);
    }

    [Theory]
    [InlineData(ItemFileFormat.DataPipeline, "{\"pk\":\"a\"}", "the value is a string, not a typed value")]
    [InlineData(ItemFileFormat.DynamoDbJson, "{\"Item\":{\"pk\":{\"S\":\"a\"}} x", "invalid JSON at byte")]
    [InlineData(ItemFileFormat.Json, "{\"pk\":tru}", "invalid JSON at byte")]
    [InlineData(ItemFileFormat.Json, "[{\"pk\":1},{\"pk\":tru}]", "the JSON is not valid here")]
    [InlineData(ItemFileFormat.DynamoDbScan, "{\"Items\":[{\"pk\":{\"S\":\"a\"}}],\"Count\":}", "the JSON is not valid here")]
    public async Task BadRecords_InEveryJsonFormat_NameFileLineAndReasonInPlainWords(ItemFileFormat format, string content, string expected)
    {
        var errors = new List<RecordError>();
        var options = new ItemReaderOptions { SourceName = "data.json", BadRecords = BadRecordHandling.Skip, OnBadRecord = errors.Add };
        await using (var reader = ItemFiles.OpenReader(new MemoryStream(Encoding.UTF8.GetBytes(content)), format, options))
        {
            while (await reader.ReadAsync() is not null)
            {
            }
        }

        var error = Assert.Single(errors);
        Assert.Equal("data.json", error.Source);
        Assert.Equal(1, error.Line);
        Assert.Contains(expected, error.Reason, StringComparison.Ordinal);
        AssertPlain(error.ToString());
    }
}
