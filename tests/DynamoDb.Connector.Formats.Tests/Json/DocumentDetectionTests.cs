using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Tests.Json;

public class DocumentDetectionTests
{
    [Theory]
    [InlineData(JsonDocumentReaderTests.MovieData, ItemFileFormat.Json)]
    [InlineData("[{\"PK\":\"user#1\",\"score\":12}]", ItemFileFormat.Json)]
    [InlineData("[\n  {\n    \"id\": {\"S\": \"a\"},\n    \"n\": {\"N\": \"1\"}\n  }\n]\n", ItemFileFormat.DynamoDbScan)]
    [InlineData("{\n  \"Items\": [\n    {\"id\": {\"S\": \"a\"}}\n  ],\n  \"Count\": 1\n}\n", ItemFileFormat.DynamoDbScan)]
    [InlineData("{\"Items\":[{\"id\":{\"S\":\"a\"}}],\"Count\":1,\"ScannedCount\":1}", ItemFileFormat.DynamoDbScan)]
    [InlineData("{\n  \"Forum\": [\n    {\"PutRequest\": {\"Item\": {\"Name\": {\"S\": \"a\"}}}}\n  ]\n}\n", ItemFileFormat.DynamoDbBatchWrite)]
    [InlineData("{\"Reply\":[{\"DeleteRequest\":{\"Key\":{\"Id\":{\"S\":\"a\"}}}}]}", ItemFileFormat.DynamoDbBatchWrite)]
    [InlineData("{\"PK\":\"user#1\",\"score\":12}\n{\"PK\":\"user#2\",\"score\":3}\n", ItemFileFormat.Json)]
    [InlineData("{\"id\":{\"S\":\"a\"}}\n", ItemFileFormat.DataPipeline)]
    [InlineData("[]", ItemFileFormat.Json)]
    public async Task DetectFormatAsync_DocumentsAndPlainJson_GivesTheFormat(string content, ItemFileFormat expected)
    {
        var detection = await ItemFiles.DetectFormatAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)));

        Assert.Equal(expected, detection.Format);
        Assert.False(string.IsNullOrWhiteSpace(detection.Reason));
    }

    [Theory]
    [InlineData("PAR1\u0015\u0004\u0015", "Parquet magic, but does not end with it")]
    [InlineData("{\n  \"id\": \"a\",\n  \"n\": 1\n}\n", "spread over several lines")]
    [InlineData("[\"a\",\"b\"]", "first element is a string")]
    [InlineData("[{\"id\":{\"X\":\"a\"}}]", "Considered: ddb-json")]
    public async Task DetectFormatAsync_WhatItCannotTellForSure_IsRefusedNamingTheFileAndTheFormats(string content, string reason)
    {
        var stream = new MemoryStream(Encoding.Latin1.GetBytes(content));

        var error = await Assert.ThrowsAsync<FormatRefusedException>(() => ItemFiles.DetectFormatAsync(stream, "s3://bucket/data.json", CancellationToken.None).AsTask());

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("s3://bucket/data.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("--format", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DetectFormatAsync_MovieDataArray_IsNotCsv()
    {
        var detection = await ItemFiles.DetectFormatAsync(new MemoryStream(Encoding.UTF8.GetBytes(JsonDocumentReaderTests.MovieData)));

        Assert.NotEqual(ItemFileFormat.Csv, detection.Format);
        Assert.Contains("array of plain objects", detection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonWriter_WritesPlainObjects_WithNumbersAsJsonNumbers_SetsAsArrays_AndReadsBack()
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["id"] = new() { S = "a\"b" },
            ["n"] = new() { N = "1.50" },
            ["odd"] = new() { N = "+.5" },
            ["ok"] = new() { BOOL = true },
            ["none"] = new() { NULL = true },
            ["tags"] = new() { SS = ["x", "y"] },
            ["nums"] = new() { NS = ["1", "2"] },
            ["bin"] = new() { B = new MemoryStream([1, 2, 3]) },
            ["list"] = new() { L = [new() { S = "e" }, new() { M = new() { ["k"] = new() { N = "7" } } }] },
        };
        var file = new MemoryStream();
        await using (var writer = ItemFiles.OpenWriter(file, ItemFileFormat.Json, new ItemWriterOptions { LeaveOpen = true }))
        {
            await writer.WriteAsync(new ItemRecord(item, 1));
            await writer.CompleteAsync();
        }

        string text = Encoding.UTF8.GetString(file.ToArray());
        Assert.Equal("{\"id\":\"a\\\"b\",\"n\":1.50,\"odd\":5E-1,\"ok\":true,\"none\":null,\"tags\":[\"x\",\"y\"],\"nums\":[1,2],\"bin\":\"AQID\",\"list\":[\"e\",{\"k\":7}]}\n", text);
        file.Position = 0;
        var schema = DynamoDb.Connector.Formats.Csv.CsvSchema.Parse("""{"columns":[{"name":"tags","type":"SS"},{"name":"nums","type":"NS"},{"name":"bin","type":"B"}]}""");
        await using var reader = ItemFiles.OpenReader(file, ItemFileFormat.Json, new ItemReaderOptions { Csv = schema });
        var read = await reader.ReadAsync();
        item["odd"] = new() { N = "5E-1" };
        Assert.Equal(item, read!.Item, ItemComparer.Instance);
    }

    [Fact]
    public async Task JsonWriter_ADelete_IsRefused()
    {
        await using var writer = ItemFiles.OpenWriter(new MemoryStream(), ItemFileFormat.Json);

        await Assert.ThrowsAsync<NotSupportedException>(() => writer.WriteAsync(new ItemRecord(new() { ["id"] = new() { S = "a" } }, 1, RecordOperation.Delete)).AsTask());
    }
}
