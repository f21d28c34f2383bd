using System.Numerics;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Parquet;

namespace DynamoDb.Connector.Formats.Tests.Parquet;

public class ParquetFilesTests
{
    private static Dictionary<string, AttributeValue> Item(int i) => new()
    {
        ["pk"] = new() { S = $"k{i}" },
        ["n"] = new() { N = i.ToString() },
        ["price"] = new() { N = i % 2 == 0 ? $"{i}.5" : $"{i}.25" },
        ["ok"] = new() { BOOL = i % 2 == 0 },
        ["raw"] = new() { B = new MemoryStream([1, (byte)i]) },
        ["tags"] = new() { SS = ["a", $"b{i}"] },
        ["counts"] = new() { NS = ["1", i.ToString()] },
        ["nested"] = new() { M = new() { ["x"] = new() { S = "y" } } },
    };

    private static async Task<MemoryStream> WriteAsync(IEnumerable<Dictionary<string, AttributeValue>> items, int rowGroupRows)
    {
        var stream = new MemoryStream();
        await using (var writer = ParquetFiles.OpenWriter(stream, new ParquetWriterOptions { RowGroupRows = rowGroupRows }, leaveOpen: true))
        {
            foreach (var item in items) await writer.WriteAsync(new ItemRecord(item, 0));
            await writer.CompleteAsync();
        }
        stream.Position = 0;
        return stream;
    }

    private static async Task<List<ItemRecord>> ReadAllAsync(IItemReader reader)
    {
        var records = new List<ItemRecord>();
        await using (reader)
        {
            while (await reader.ReadAsync() is { } record) records.Add(record);
        }
        return records;
    }

    [Fact]
    public async Task WriteThenRead_InSeveralRowGroups_GivesEveryItemBack_RowsNumberedFromTheFilesStart()
    {
        var stream = await WriteAsync(Enumerable.Range(1, 10).Select(Item), rowGroupRows: 3);

        var groups = await ParquetFiles.ReadRowGroupsAsync(stream, "mem.parquet");
        var records = await ReadAllAsync(ParquetFiles.OpenReader(stream, new ItemReaderOptions { SourceName = "mem.parquet" }));

        Assert.Equal([3L, 3L, 3L, 1L], groups.Select(g => g.Rows));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), records.Select(r => r.Line));
        var four = records[3].Item;
        Assert.Equal("k4", four["pk"].S);
        Assert.Equal("4", four["n"].N);
        Assert.Equal("4.50", four["price"].N); // decimal(38,2): the column's scale
        Assert.True(four["ok"].BOOL);
        Assert.Equal([1, 4], four["raw"].B.ToArray());
        Assert.Equal(["a", "b4"], four["tags"].L.Select(v => v.S)); // a set becomes a list
        Assert.Equal(["1", "4"], four["counts"].L.Select(v => v.N));
        Assert.Equal("y", four["nested"].M["x"].S); // a map is a struct
    }

    [Fact]
    public async Task Reader_FromAPosition_SkipsTheRowGroupsBeforeItUnread()
    {
        var stream = await WriteAsync(Enumerable.Range(1, 10).Select(Item), rowGroupRows: 3);
        var groups = await ParquetFiles.ReadRowGroupsAsync(stream, "mem.parquet");

        var reader = ParquetFiles.OpenReader(stream, new ItemReaderOptions { LeaveOpen = true }, skipThrough: 7);
        var records = await ReadAllAsync(reader);

        Assert.Equal([8L, 9L, 10L], records.Select(r => r.Line));
        Assert.Equal(groups[2].Bytes + groups[3].Bytes, reader.BytesRead);
    }

    [Fact]
    public async Task Reader_OfAByteRange_ReadsTheRowGroupsThatStartInIt()
    {
        var stream = await WriteAsync(Enumerable.Range(1, 10).Select(Item), rowGroupRows: 3);
        var groups = await ParquetFiles.ReadRowGroupsAsync(stream, "mem.parquet");

        var first = await ReadAllAsync(ParquetFiles.OpenReader(stream, new ItemReaderOptions { LeaveOpen = true }, rangeStart: 0, rangeEnd: groups[2].Start));
        var rest = await ReadAllAsync(ParquetFiles.OpenReader(stream, new ItemReaderOptions { LeaveOpen = true }, rangeStart: groups[2].Start, rangeEnd: stream.Length));

        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), first.Select(r => r.Line));
        Assert.Equal(Enumerable.Range(7, 4).Select(i => (long)i), rest.Select(r => r.Line));
    }

    [Fact]
    public async Task Writer_MixedTypesInTheFirstRowGroup_WritesDynamoDbJsonText_AndNullsAreLeftOutOnRead()
    {
        var items = new List<Dictionary<string, AttributeValue>>
        {
            new() { ["pk"] = new() { S = "a" }, ["v"] = new() { N = "1" } },
            new() { ["pk"] = new() { S = "b" }, ["v"] = new() { S = "one" }, ["gone"] = new() { NULL = true } },
            new() { ["pk"] = new() { S = "c" } },
        };
        var records = await ReadAllAsync(ParquetFiles.OpenReader(await WriteAsync(items, 10)));

        Assert.Equal("""{"N":"1"}""", records[0].Item["v"].S);
        Assert.Equal("""{"S":"one"}""", records[1].Item["v"].S);
        Assert.False(records[2].Item.ContainsKey("v"));
        Assert.Equal("""{"NULL":true}""", records[1].Item["gone"].S);
    }

    [Fact]
    public async Task Reader_NullsAsNull_GivesNullForAMissingValue()
    {
        var items = new List<Dictionary<string, AttributeValue>>
        {
            new() { ["pk"] = new() { S = "a" }, ["n"] = new() { N = "1" } },
            new() { ["pk"] = new() { S = "b" } },
        };
        var records = await ReadAllAsync(ParquetFiles.OpenReader(await WriteAsync(items, 10), nulls: ParquetNulls.Null));

        Assert.True(records[1].Item["n"].NULL);
    }

    [Fact]
    public async Task Writer_AValueItsColumnCannotHold_AfterTheFirstRowGroup_IsRefusedNamingTheAttributeAndRow()
    {
        var stream = new MemoryStream();
        await using var writer = ParquetFiles.OpenWriter(stream, new ParquetWriterOptions { RowGroupRows = 2 });
        await writer.WriteAsync(new ItemRecord(new() { ["pk"] = new() { S = "a" }, ["n"] = new() { N = "1" } }, 0));
        await writer.WriteAsync(new ItemRecord(new() { ["pk"] = new() { S = "b" }, ["n"] = new() { N = "2" } }, 0));

        var error = await Assert.ThrowsAsync<FormatException>(() => writer.WriteAsync(new ItemRecord(new() { ["pk"] = new() { S = "c" }, ["n"] = new() { S = "3" } }, 0)).AsTask());
        var unknown = await Assert.ThrowsAsync<FormatException>(() => writer.WriteAsync(new ItemRecord(new() { ["pk"] = new() { S = "c" }, ["late"] = new() { S = "x" } }, 0)).AsTask());

        Assert.Contains("row 3, attribute 'n'", error.Message, StringComparison.Ordinal);
        Assert.Contains("holds S", error.Message, StringComparison.Ordinal);
        Assert.Contains("attribute 'late'", unknown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    public void Values_NotFiniteFloats_AreRefusedNamingTheColumn(double value, string shown)
    {
        var error = Assert.Throws<ParquetValueException>(() => ParquetValues.ToAttribute(value, "score", ParquetNulls.Omit));

        Assert.Equal("score", error.Column);
        Assert.Contains(shown, error.Message, StringComparison.Ordinal);
        Assert.Contains("DynamoDB number cannot hold", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_NumbersKeepTheirExactText()
    {
        Assert.Equal("12.340", ParquetValues.DecimalText(new BigInteger(12340), 3));
        Assert.Equal("-0.005", ParquetValues.DecimalText(new BigInteger(-5), 3));
        Assert.Equal("1200", ParquetValues.DecimalText(new BigInteger(12), -2));
        Assert.Equal("12.340", ParquetValues.ToAttribute(12.340m, "d", ParquetNulls.Omit)!.N);
        Assert.Equal("0.1", ParquetValues.ToAttribute(0.1f, "f", ParquetNulls.Omit)!.N);
        Assert.Equal("0.30000000000000004", ParquetValues.ToAttribute(0.1 + 0.2, "f", ParquetNulls.Omit)!.N);
        Assert.Equal("18446744073709551615", ParquetValues.ToAttribute(ulong.MaxValue, "u", ParquetNulls.Omit)!.N);
        Assert.Equal("2024-01-02T03:04:05.5Z", ParquetValues.ToAttribute(new DateTime(2024, 1, 2, 3, 4, 5, 500, DateTimeKind.Utc), "t", ParquetNulls.Omit)!.S);
        Assert.Equal("2024-01-02", ParquetValues.ToAttribute(new DateOnly(2024, 1, 2), "t", ParquetNulls.Omit)!.S);
        Assert.Throws<ParquetValueException>(() => ParquetValues.ToAttribute(1e300, "big", ParquetNulls.Omit));
    }

    [Fact]
    public async Task Detection_AParquetFile_IsParquet_AndOneThatDoesNotEndWithTheMagic_IsRefused()
    {
        var bytes = (await WriteAsync(Enumerable.Range(1, 3).Select(Item), 10)).ToArray();

        var whole = ItemFiles.DetectFormat(bytes);
        var fromStream = await ItemFiles.DetectFormatAsync(new MemoryStream(bytes), "data.json", CancellationToken.None);
        var cut = Assert.Throws<FormatRefusedException>(() => ItemFiles.DetectFormat(bytes.AsSpan(0, bytes.Length - 1)));

        Assert.Equal(ItemFileFormat.Parquet, whole.Format);
        Assert.Equal(ItemFileFormat.Parquet, fromStream.Format);
        Assert.Contains("does not end with it", cut.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reader_OfAFileWhoseFooterIsDamaged_NamesTheFile()
    {
        var stream = new MemoryStream([.. "PAR1"u8, 0x15, 0x04, 0x15, 0x00, .. "PAR1"u8]);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(ParquetFiles.OpenReader(stream, new ItemReaderOptions { SourceName = "s3://b/bad.parquet" })));

        Assert.StartsWith("s3://b/bad.parquet: not a readable Parquet file", error.Message, StringComparison.Ordinal);
    }
}
