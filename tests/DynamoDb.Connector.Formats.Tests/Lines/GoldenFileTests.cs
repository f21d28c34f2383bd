using System.Text;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using static DynamoDb.Connector.Formats.Tests.Lines.ItemFilesTestKit;

namespace DynamoDb.Connector.Formats.Tests.Lines;

public class GoldenFileTests
{
    private static Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue> EmrExampleItem() => Item(
        ("id", S("user#42")),
        ("age", N("37")),
        ("active", Bool(true)),
        ("nick", Null()),
        ("avatar", B(1, 2, 3)),
        ("tags", SS("a", "b")),
        ("nums", NS("1", "2.50")),
        ("blobs", BS([0xFF])),
        ("hist", L(S("x"), N("1"))),
        ("meta", M(("k", S("v")))));

    [Fact]
    public async Task ReadDataPipeline_EmrExampleLine_GivesEveryType()
    {
        var records = await ReadAllAsync(ReadTestData("emr-example.data-pipeline.json"), ItemFileFormat.DataPipeline);

        var record = Assert.Single(records);
        Assert.Equal(1, record.Line);
        Assert.Equal(RecordOperation.Put, record.Operation);
        AssertSameItem(EmrExampleItem(), record.Item);
    }

    [Fact]
    public async Task WriteDataPipeline_EmrExampleItem_ReproducesFormatsMdLineByteForByte()
    {
        byte[] written = await WriteItemsAsync([EmrExampleItem()], ItemFileFormat.DataPipeline);

        Assert.Equal(Encoding.UTF8.GetString(ReadTestData("emr-example.data-pipeline.json")), Encoding.UTF8.GetString(written));
        Assert.Equal(ReadTestData("emr-example.data-pipeline.json"), written);
    }

    [Theory]
    [InlineData("all-types.data-pipeline.json", ItemFileFormat.DataPipeline)]
    [InlineData("all-types.ddb-json.json", ItemFileFormat.DynamoDbJson)]
    [InlineData("written.ddb-json-incremental.json", ItemFileFormat.DynamoDbJsonIncremental)]
    public async Task ReadThenWrite_GoldenFile_ReproducesItByteForByte(string file, ItemFileFormat format)
    {
        byte[] golden = ReadTestData(file);

        byte[] written = await WriteAllAsync(await ReadAllAsync(golden, format), format);

        Assert.Equal(Encoding.UTF8.GetString(golden), Encoding.UTF8.GetString(written));
        Assert.Equal(golden, written);
    }

    [Theory]
    [InlineData("all-types.data-pipeline.json", ItemFileFormat.DataPipeline, "all-types.ddb-json.json", ItemFileFormat.DynamoDbJson)]
    [InlineData("all-types.ddb-json.json", ItemFileFormat.DynamoDbJson, "all-types.data-pipeline.json", ItemFileFormat.DataPipeline)]
    public async Task Convert_GoldenFile_GivesTheOtherFormatsGoldenFileByteForByte(string from, ItemFileFormat fromFormat, string to, ItemFileFormat toFormat)
    {
        byte[] written = await WriteAllAsync(await ReadAllAsync(ReadTestData(from), fromFormat), toFormat);

        Assert.Equal(Encoding.UTF8.GetString(ReadTestData(to)), Encoding.UTF8.GetString(written));
    }

    [Fact]
    public async Task ReadDataPipeline_AllTypesGolden_KeepsUnicodeControlCharactersNumbersAndEmptyCollections()
    {
        var records = await ReadAllAsync(ReadTestData("all-types.data-pipeline.json"), ItemFileFormat.DataPipeline);

        Assert.Equal(4, records.Count);
        Assert.Equal([1L, 2, 3, 4], records.Select(r => r.Line));
        var text = records[1].Item;
        Assert.Equal("unicode é 日本 😀 \u00a0nbsp", text["pk"].S);
        Assert.Equal("nul\0 soh\u0001 tab\t nl\n cr\r bs\b ff\f us\u001f quote\" backslash\\ slash/ ls\u2028 ps\u2029 del\u007f c1\u0085 <html>&'=", text["ctrl"].S);
        Assert.Equal("12345678901234567890123456789012345678", text["big"].N);
        Assert.Equal("-0.00000000000000000012345678901234567890123456789012345678", text["small"].N);
        Assert.Equal("9.9999999999999999999999999999999999999E+125", text["exp"].N);
        var sets = records[2].Item;
        Assert.Equal(["b", "a", "ü"], sets["ss"].SS);
        Assert.Equal(["1", "-2.5", "1E+2", "0.001"], sets["ns"].NS);
        Assert.Equal([[0, 1, 2], [0xFF], [0]], sets["bs"].BS.Select(b => b.ToArray()));
        Assert.Empty(sets["bin"].B.ToArray());
        Assert.Equal("", sets["empty"].S);
        var nesting = records[3].Item;
        Assert.True(nesting["emptyList"].IsLSet);
        Assert.Empty(nesting["emptyList"].L);
        Assert.True(nesting["emptyMap"].IsMSet);
        Assert.Empty(nesting["emptyMap"].M);
        var deep = nesting["nested"].L[0].M["deep"].L;
        Assert.True(deep[0].NULL);
        Assert.False(deep[1].BOOL);
        Assert.True(deep[2].IsLSet);
        Assert.True(deep[3].IsMSet);
        Assert.Equal("space in name", nesting["map"].M["a b"].S);
        Assert.Equal("0", nesting["map"].M["\"q\""].N);
        Assert.Equal("😀", Encoding.UTF8.GetString(nesting["map"].M["日"].B.ToArray()));
    }

    [Theory]
    [InlineData("emr-example.data-pipeline.json.gz", "emr-example.data-pipeline.json", ItemFileFormat.DataPipeline)]
    [InlineData("all-types.data-pipeline.json.gz", "all-types.data-pipeline.json", ItemFileFormat.DataPipeline)]
    [InlineData("all-types.ddb-json.json.zst", "all-types.ddb-json.json", ItemFileFormat.DynamoDbJson)]
    public async Task Read_CompressedGoldenFile_GivesTheSameRecordsAsThePlainOne(string compressed, string plain, ItemFileFormat format)
    {
        var expected = await ReadAllAsync(ReadTestData(plain), format);

        var actual = await ReadAllAsync(ReadTestData(compressed), format);

        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Line, actual[i].Line);
            AssertSameItem(expected[i].Item, actual[i].Item);
        }
    }

    [Fact]
    public async Task ReadDataPipeline_LenientFile_AcceptsCaseVariantsNullSpellingsEmptyCollectionsAndLegacyFraming()
    {
        var records = await ReadAllAsync(ReadTestData("lenient.data-pipeline.json"), ItemFileFormat.DataPipeline);

        Assert.Equal([1L, 3, 5, 6, 7], records.Select(r => r.Line));
        AssertSameItem(Item(("id", S("upper")), ("n", N("1")), ("ok", Bool(true)), ("nothing", Null()), ("ss", SS("a", "b"))), records[0].Item);
        AssertSameItem(Item(("id", S("legacy-null")), ("gone", Null())), records[1].Item);
        AssertSameItem(Item(("id", S("empties")), ("list", L()), ("map", M())), records[2].Item);
        AssertSameItem(Item(("id", S("Seattle")), ("scores", NS("100", "30", "45"))), records[3].Item);
        AssertSameItem(Item(("id", S("mixed-case")), ("flag", Bool(false)), ("set", SS("x")), ("b", B(1, 2, 3)), ("nul", Null())), records[4].Item);
    }

    [Fact]
    public async Task ReadDynamoDbJson_LinesWithExtraFields_IgnoresTheFieldsNextToItem()
    {
        var records = await ReadAllAsync(ReadTestData("extra-fields.ddb-json.json"), ItemFileFormat.DynamoDbJson);

        Assert.Equal(3, records.Count);
        AssertSameItem(Item(("pk", S("a")), ("n", N("1"))), records[0].Item);
        AssertSameItem(Item(("pk", S("dead-letter"))), records[1].Item);
        AssertSameItem(Item(("pk", S("fields-before")), ("l", L(Null()))), records[2].Item);
    }

    [Fact]
    public async Task ReadIncremental_NativeExportLines_PutsNewImagesAndDeletesKeys()
    {
        var records = await ReadAllAsync(ReadTestData("export.ddb-json-incremental.json"), ItemFileFormat.DynamoDbJsonIncremental);

        Assert.Equal([RecordOperation.Put, RecordOperation.Put, RecordOperation.Delete, RecordOperation.Delete], records.Select(r => r.Operation));
        AssertSameItem(Item(("pk", S("a")), ("v", N("1"))), records[0].Item);
        AssertSameItem(Item(("pk", S("b")), ("v", N("2"))), records[1].Item);
        AssertSameItem(Item(("pk", S("c"))), records[2].Item);
        AssertSameItem(Item(("pk", S("d")), ("sk", N("4"))), records[3].Item);
    }

    [Fact]
    public async Task ReadIncremental_NativeExportLines_CarryTheirWriteTimestamps()
    {
        var records = await ReadAllAsync(ReadTestData("export.ddb-json-incremental.json"), ItemFileFormat.DynamoDbJsonIncremental);

        Assert.Equal([1700000000000000L, 1700000000000001L, 1700000000000002L, 1700000000000003L], records.Select(r => r.WriteTimestampMicros));
    }

    [Fact]
    public async Task WriteIncremental_NativeExportOperations_WritesNewImageAndKeysLinesWithTheirWriteTimesThatReadBackTheSame()
    {
        var operations = await ReadAllAsync(ReadTestData("export.ddb-json-incremental.json"), ItemFileFormat.DynamoDbJsonIncremental);

        byte[] written = await WriteAllAsync(operations, ItemFileFormat.DynamoDbJsonIncremental);

        Assert.Equal(ReadTestData("written.ddb-json-incremental.json"), written);
        var readBack = await ReadAllAsync(written, ItemFileFormat.DynamoDbJsonIncremental);
        Assert.Equal(operations.Select(r => r.Operation), readBack.Select(r => r.Operation));
        Assert.Equal(operations.Select(r => r.WriteTimestampMicros), readBack.Select(r => r.WriteTimestampMicros));
        for (int i = 0; i < operations.Count; i++)
        {
            AssertSameItem(operations[i].Item, readBack[i].Item);
        }
    }

    [Theory]
    [InlineData(ItemFileFormat.DataPipeline)]
    [InlineData(ItemFileFormat.DynamoDbJson)]
    public async Task Write_DeleteRecordInAnItemOnlyFormat_ThrowsNotSupportedNamingTheIncrementalFormat(ItemFileFormat format)
    {
        await using var writer = ItemFiles.OpenWriter(new MemoryStream(), format);

        var error = await Assert.ThrowsAsync<NotSupportedException>(
            () => writer.WriteAsync(new ItemRecord(Item(("pk", S("a"))), 7, RecordOperation.Delete)).AsTask());

        Assert.Contains("line 7", error.Message);
        Assert.Contains("ddb-json-incremental", error.Message);
    }

    [Theory]
    [InlineData(CompressionKind.Gzip)]
    [InlineData(CompressionKind.Zstd)]
    public async Task Write_WithCompression_ProducesTheCompressedFormThatReadsBack(CompressionKind compression)
    {
        var items = (await ReadAllAsync(ReadTestData("all-types.data-pipeline.json"), ItemFileFormat.DataPipeline)).Select(r => r.Item).ToList();

        byte[] written = await WriteItemsAsync(items, ItemFileFormat.DataPipeline, new ItemWriterOptions { Compression = compression });

        Assert.Equal(compression, StreamCompression.Detect(written));
        var readBack = await ReadAllAsync(written, ItemFileFormat.DataPipeline);
        Assert.Equal(items.Count, readBack.Count);
        for (int i = 0; i < items.Count; i++)
        {
            AssertSameItem(items[i], readBack[i].Item);
        }
    }
}
