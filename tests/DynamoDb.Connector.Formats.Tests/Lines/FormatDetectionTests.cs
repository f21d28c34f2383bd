using System.Text;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using static DynamoDb.Connector.Formats.Tests.Lines.ItemFilesTestKit;

namespace DynamoDb.Connector.Formats.Tests.Lines;

public class FormatDetectionTests
{
    [Theory]
    [InlineData("{\"Item\":{\"pk\":{\"S\":\"a\"}}}\n", ItemFileFormat.DynamoDbJson)]
    [InlineData("\n\n  {\"Item\":{\"pk\":{\"S\":\"a\"}},\"error\":\"x\"}\n", ItemFileFormat.DynamoDbJson)]
    [InlineData("{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"1\"}},\"Keys\":{\"pk\":{\"S\":\"a\"}},\"NewImage\":{\"pk\":{\"S\":\"a\"}}}\n", ItemFileFormat.DynamoDbJsonIncremental)]
    [InlineData("{\"Keys\":{\"pk\":{\"S\":\"a\"}}}", ItemFileFormat.DynamoDbJsonIncremental)]
    [InlineData("{\"NewImage\":{\"pk\":{\"S\":\"a\"}}}\r\n", ItemFileFormat.DynamoDbJsonIncremental)]
    [InlineData("{\"id\":{\"s\":\"user#42\"},\"age\":{\"n\":\"37\"}}\n", ItemFileFormat.DataPipeline)]
    [InlineData("{\"id\":{\"S\":\"upper-case keys without an Item wrapper\"}}\n", ItemFileFormat.DataPipeline)]
    [InlineData("{\"Item\":{\"s\":\"an attribute named Item\"}}\n", ItemFileFormat.DataPipeline)]
    [InlineData("{\"Item\":{\"m\":{\"k\":{\"s\":\"v\"}}}}\n", ItemFileFormat.DataPipeline)]
    [InlineData("{\"Item\":{\"m\":{\"S\":\"an attribute named m\"}}}\n", ItemFileFormat.DynamoDbJson)]
    [InlineData("id\u0003{\"s\":\"Seattle\"}\u0002scores\u0003{\"nS\":[\"100\"]}\n", ItemFileFormat.DataPipeline)]
    [InlineData("pk,sk,value\na,1,x\n", ItemFileFormat.Csv)]
    [InlineData("\uFEFFpk,value\n", ItemFileFormat.Csv)]
    [InlineData("{\"Item\":{\"pk\":{\"S\":\"a\"},\"bad\":{\"N\":\"x\"}}}\n", ItemFileFormat.DynamoDbJson)]
    [InlineData("{\"Keys\":{\"pk\":{\"X\":\"a\"}}}\n", ItemFileFormat.DynamoDbJsonIncremental)]
    [InlineData("{\"pk\":{\"X\":\"a\"}}\n", ItemFileFormat.DataPipeline)]
    [InlineData("", ItemFileFormat.DataPipeline)]
    [InlineData("garbage\n{\"Item\":{\"pk\":{\"S\":\"a\"}}}\n", ItemFileFormat.DynamoDbJson)]
    [InlineData("\"Item\":{\"pk\":{\"S\":\"cut\"}}}\n\n{\"id\":{\"s\":\"x\"}}", ItemFileFormat.DataPipeline)]
    [InlineData("pk,doc\n{\"not\": an item},x\n", ItemFileFormat.Csv)]
    [InlineData("pk,sk\n{\"Item\":{\"pk\":{\"S\":\"a\"}}}", ItemFileFormat.DynamoDbJson)]
    [InlineData("{\"Item\":{\"pk\":{\"S\":\"b\\ud800\"}}}\n", ItemFileFormat.DynamoDbJson)]
    [InlineData("{\"x\\udc00\":{\"s\":\"v\"}}\n", ItemFileFormat.DataPipeline)]
    public async Task DetectFormat_FirstLine_GivesTheFormatAndAReason(string content, ItemFileFormat expected)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(content);

        var fromBytes = ItemFiles.DetectFormat(bytes);
        var fromStream = await ItemFiles.DetectFormatAsync(new MemoryStream(bytes));

        Assert.Equal(expected, fromBytes.Format);
        Assert.Equal(expected, fromStream.Format);
        Assert.Equal(CompressionKind.None, fromStream.Compression);
        Assert.False(string.IsNullOrWhiteSpace(fromBytes.Reason));
    }

    [Fact]
    public async Task DetectFormatAsync_InvalidFirstLine_SaysWhyInTheReason()
    {
        var detection = await ItemFiles.DetectFormatAsync(new MemoryStream("{\"Item\":{\"pk\":{\"S\":\"a\"},\"bad\":{\"N\":\"x\"}}}\n"u8.ToArray()));

        Assert.Contains("'x' is not a number", detection.Reason);
    }

    [Fact]
    public async Task DetectFormatAsync_DamagedFirstLineOfAJsonFile_ReadsTheFileAsJson_AndSaysSo()
    {
        var detection = await ItemFiles.DetectFormatAsync(new MemoryStream("{\"Item\":{\"pk\":{\"S\":\"a\"}\n{\"Item\":{\"pk\":{\"S\":\"b\"}}}\n"u8.ToArray()));
        var headless = await ItemFiles.DetectFormatAsync(new MemoryStream("xx\"S\":\"a\"}}}\n{\"Item\":{\"pk\":{\"S\":\"b\"}}}\n"u8.ToArray()));

        Assert.Equal(ItemFileFormat.DynamoDbJson, detection.Format);
        Assert.Equal(ItemFileFormat.DynamoDbJson, headless.Format);
        Assert.Contains("the first line is not JSON (a damaged line?), but the second is", headless.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("all-types.data-pipeline.json.gz", ItemFileFormat.DataPipeline, CompressionKind.Gzip)]
    [InlineData("all-types.ddb-json.json.zst", ItemFileFormat.DynamoDbJson, CompressionKind.Zstd)]
    [InlineData("export.ddb-json-incremental.json", ItemFileFormat.DynamoDbJsonIncremental, CompressionKind.None)]
    [InlineData("lenient.data-pipeline.json", ItemFileFormat.DataPipeline, CompressionKind.None)]
    public async Task DetectFormatAsync_GoldenFiles_FindsFormatAndCompression(string file, ItemFileFormat format, CompressionKind compression)
    {
        await using var stream = File.OpenRead(TestData(file));

        var detection = await ItemFiles.DetectFormatAsync(stream);

        Assert.Equal(format, detection.Format);
        Assert.Equal(compression, detection.Compression);
    }

    [Fact]
    public async Task DetectFormatAsync_FirstLineLongerThanTheSample_JudgesByTheFirstField()
    {
        string line = "{\"Item\":{\"pk\":{\"S\":\"" + new string('x', ItemFiles.MaxDetectionBytes) + "\"}}}\n";

        var detection = await ItemFiles.DetectFormatAsync(new TrickleStream(Encoding.UTF8.GetBytes(line), 50_000));

        Assert.Equal(ItemFileFormat.DynamoDbJson, detection.Format);
        Assert.Contains("longer than the sample", detection.Reason);
    }

    [Fact]
    public void DetectFormat_CompressedBytes_ThrowsPointingToTheStreamOverload()
    {
        byte[] gzip = ReadTestData("emr-example.data-pipeline.json.gz");

        var error = Assert.Throws<ArgumentException>(() => ItemFiles.DetectFormat(gzip));
        Assert.Contains("DetectFormatAsync", error.Message);
    }

    [Theory]
    [InlineData(DynamoDb.Connector.Formats.Compression.CompressionKind.None)]
    [InlineData(DynamoDb.Connector.Formats.Compression.CompressionKind.Gzip)]
    [InlineData(DynamoDb.Connector.Formats.Compression.CompressionKind.Zstd)]
    public async Task OpenReaderAndWriter_Csv_RoundTripThroughCompression(DynamoDb.Connector.Formats.Compression.CompressionKind compression)
    {
        var schema = DynamoDb.Connector.Formats.Csv.CsvSchema.Parse("""{"columns":[{"name":"pk","type":"S"},{"name":"n","type":"N"},{"name":"tags","type":"SS"}]}""");
        var item = new Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>
        {
            ["pk"] = new() { S = "a,\"b\"" },
            ["n"] = new() { N = "12345678901234567890123456789012345678" },
            ["tags"] = new() { SS = ["x", "y"] },
        };
        var file = new MemoryStream();
        await using (var writer = ItemFiles.OpenWriter(file, ItemFileFormat.Csv, new ItemWriterOptions { Csv = schema, Compression = compression, LeaveOpen = true }))
        {
            await writer.WriteAsync(new ItemRecord(item, 0));
            await writer.CompleteAsync();
        }
        Assert.Throws<ArgumentException>(() => ItemFiles.OpenWriter(new MemoryStream(), ItemFileFormat.Csv));

        file.Position = 0;
        await using var reader = ItemFiles.OpenReader(file, ItemFileFormat.Csv, new ItemReaderOptions { Csv = schema });
        var read = await reader.ReadAsync();
        Assert.NotNull(read);
        Assert.Equal(item, read.Item, DynamoDb.Connector.Formats.Items.ItemComparer.Instance);
        Assert.Equal(2, read.Line);
        Assert.Null(await reader.ReadAsync());
    }
}
