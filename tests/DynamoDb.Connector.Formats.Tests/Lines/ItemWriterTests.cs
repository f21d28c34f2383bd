using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using static DynamoDb.Connector.Formats.Tests.Lines.ItemFilesTestKit;

namespace DynamoDb.Connector.Formats.Tests.Lines;

public class ItemWriterTests
{
    [Fact]
    public async Task WriteAsync_ValueWithNoType_ThrowsNamingThePathAndLeavesNoPartialLine()
    {
        var output = new MemoryStream();
        await using var writer = ItemFiles.OpenWriter(output, ItemFileFormat.DataPipeline, new ItemWriterOptions { LeaveOpen = true });
        await writer.WriteAsync(new ItemRecord(Item(("pk", S("a"))), 1));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAsync(
            new ItemRecord(Item(("pk", S("b")), ("m", M(("l", L(S("x"), new AttributeValue()))))), 2)).AsTask());
        await writer.WriteAsync(new ItemRecord(Item(("pk", S("c"))), 3));
        await writer.CompleteAsync();

        Assert.Contains("attribute 'm.l[1]'", error.Message);
        Assert.Contains("line 2", error.Message);
        Assert.Equal("{\"pk\":{\"s\":\"a\"}}\n{\"pk\":{\"s\":\"c\"}}\n", Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal(2, writer.ItemsWritten);
    }

    [Theory]
    [InlineData("12a")]
    [InlineData("")]
    [InlineData("1234567890123456789012345678901234567890")]
    public async Task WriteAsync_InvalidNumber_ThrowsInsteadOfWritingALineThatCannotBeRead(string number)
    {
        await using var writer = ItemFiles.OpenWriter(new MemoryStream(), ItemFileFormat.DataPipeline);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAsync(new ItemRecord(Item(("pk", S("a")), ("ns", NS("1", number))), 9)).AsTask());

        Assert.Contains("attribute 'ns'", error.Message);
        Assert.Equal(0, writer.ItemsWritten);
    }

    [Fact]
    public async Task WriteAsync_EmptyItem_Throws()
    {
        await using var writer = ItemFiles.OpenWriter(new MemoryStream(), ItemFileFormat.DynamoDbJson);

        await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAsync(new ItemRecord([], 4)).AsTask());
    }

    [Fact]
    public async Task WriteAsync_AfterComplete_Throws()
    {
        await using var writer = ItemFiles.OpenWriter(new MemoryStream(), ItemFileFormat.DynamoDbJson);
        await writer.CompleteAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync(new ItemRecord(Item(("pk", S("a"))), 1)).AsTask());
    }

    [Theory]
    [InlineData(CompressionKind.None)]
    [InlineData(CompressionKind.Gzip)]
    [InlineData(CompressionKind.Zstd)]
    public async Task CompleteAsync_WithLeaveOpen_FinishesTheFileAndLeavesTheStreamUsable(CompressionKind compression)
    {
        var output = new MemoryStream();
        await using (var writer = ItemFiles.OpenWriter(output, ItemFileFormat.DataPipeline, new ItemWriterOptions { Compression = compression, LeaveOpen = true }))
        {
            for (int i = 0; i < 10_000; i++)
            {
                await writer.WriteAsync(new ItemRecord(Item(("pk", S($"item-{i}")), ("n", N(i.ToString()))), i + 1));
            }
            await writer.CompleteAsync();
            Assert.Equal(10_000, writer.ItemsWritten);
        }

        Assert.True(output.CanWrite);
        var records = await ReadAllAsync(output.ToArray(), ItemFileFormat.DataPipeline);
        Assert.Equal(10_000, records.Count);
        Assert.Equal("item-9999", records[^1].Item["pk"].S);
    }

    [Fact]
    public async Task DisposeAsync_WithoutLeaveOpen_ClosesTheStream()
    {
        var output = new MemoryStream();
        await using (var writer = ItemFiles.OpenWriter(output, ItemFileFormat.DataPipeline))
        {
            await writer.CompleteAsync();
        }

        Assert.False(output.CanWrite);
    }

    [Fact]
    public async Task WriteAsync_StringsWithEveryEscapeClass_WritesGsonEscapes()
    {
        var item = Item(("s", S("\"\\/\b\f\n\r\t\0\u0001\u001f\u007f\u0085\u00a0\u2028\u2029<>&'=é😀")));

        string line = Encoding.UTF8.GetString(await WriteItemsAsync([item], ItemFileFormat.DataPipeline));

        Assert.Equal("{\"s\":{\"s\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u0001\\u001f\u007f\u0085\u00a0\\u2028\\u2029<>&'=é😀\"}}\n", line);
    }

    [Fact]
    public async Task WriteAsync_BinaryStreamNotAtPositionZero_WritesAllItsBytes()
    {
        var stream = new MemoryStream([1, 2, 3]);
        stream.Position = 3;

        string line = Encoding.UTF8.GetString(await WriteItemsAsync([Item(("b", new AttributeValue { B = stream }))], ItemFileFormat.DynamoDbJson));

        Assert.Equal("{\"Item\":{\"b\":{\"B\":\"AQID\"}}}\n", line);
    }
}

public class ItemReaderOwnershipTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DisposeAsync_LeaveOpenOption_DecidesWhetherTheSourceIsClosed(bool leaveOpen)
    {
        var source = new MemoryStream(ItemFilesTestKit.ReadTestData("all-types.data-pipeline.json.gz"));
        await using (var reader = ItemFiles.OpenReader(source, ItemFileFormat.DataPipeline, new ItemReaderOptions { LeaveOpen = leaveOpen }))
        {
            Assert.NotNull(await reader.ReadAsync());
        }

        Assert.Equal(leaveOpen, source.CanRead);
    }
}
