using System.Text;
using DynamoDb.Connector.Formats.Lines;
using static DynamoDb.Connector.Formats.Tests.Lines.ItemFilesTestKit;

namespace DynamoDb.Connector.Formats.Tests.Lines;

public class BadLineTests
{
    private const string Source = "s3://bkt/data/part-1.json";

    /// <summary>Wraps an attribute map in the line shape of each JSON format.</summary>
    private static string LineOf(ItemFileFormat format, string map) => format switch
    {
        ItemFileFormat.DataPipeline => map,
        ItemFileFormat.DynamoDbJson => $"{{\"Item\":{map}}}",
        _ => $"{{\"NewImage\":{map}}}",
    };

    public static TheoryData<ItemFileFormat, string, string> BadMaps()
    {
        var cases = new (string Map, string Reason)[]
        {
            ("{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}", "truncated"),
            ("{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1", "truncated"),
            ("{\"pk\":{\"X\":\"a\"}}", "unknown type key 'X'"),
            ("{\"pk\":{\"sx\":\"a\"}}", "unknown type key 'sx'"),
            ("{\"pk\":{\"S\":\"a\"},\"s\":{\"SS\":[\"x\",\"y\",\"x\"]}}", "attribute 's': the SS set has the element 'x' twice"),
            ("{\"pk\":{\"S\":\"a\"},\"s\":{\"NS\":[\"1.5\",\"1.50\"]}}", "the NS set has the element '1.50' twice"),
            ("{\"pk\":{\"S\":\"a\"},\"s\":{\"BS\":[\"AQID\",\"AQID\"]}}", "the BS set has the element 'AQID' twice"),
            ("{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"12a\"}}", "attribute 'n': '12a' is not a number"),
            ("{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"\"}}", "number is empty"),
            ("{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1234567890123456789012345678901234567890\"}}", "significant digits"),
            ("{\"pk\":{\"S\":\"a\"},\"s\":{\"NS\":[\"1\",\"two\"]}}", "NS element 1: 'two' is not a number"),
            ("{\"pk\":{\"S\":\"a\"},\"b\":{\"B\":\"!!!!\"}}", "attribute 'b': '!!!!' is not valid base64"),
            ("{\"pk\":{\"S\":\"a\"},\"b\":{\"B\":\"AQI\"}}", "is not valid base64"),
            ("{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":12}}", "attribute 'n': the N value is a number, expected a string"),
            ("{\"pk\":{\"S\":1}}", "the S value is a number, expected a string"),
            ("{\"pk\":{\"S\":\"a\"},\"s\":{\"SS\":[\"x\",2]}}", "SS element 1 is a number"),
            ("{\"pk\":{\"S\":\"a\",\"N\":\"1\"}}", "more than one type key ('S' and 'N')"),
            ("{\"pk\":{}}", "attribute 'pk': the typed value has no type key"),
            ("{\"pk\":\"a\"}", "attribute 'pk': the value is a string, not a typed value"),
            ("{\"pk\":null}", "the value is null"),
            ("{\"pk\":{\"S\":\"a\"}} x", "invalid JSON"),
            ("{\"pk\":{\"S\":\"a\"}}{\"pk\":{\"S\":\"b\"}}", "invalid JSON"),
            ("{\"pk\":{\"S\":\"a\"},\"pk\":{\"S\":\"b\"}}", "attribute 'pk': appears twice"),
            ("{\"pk\":{\"S\":\"a\"},\"ok\":{\"BOOL\":\"true\"}}", "the BOOL value is a string, expected true or false"),
            ("{\"pk\":{\"S\":\"a\"},\"z\":{\"NULL\":false}}", "the NULL value is false"),
            ("{\"pk\":{\"S\":\"a\"},\"m\":{\"M\":{\"l\":{\"L\":[{\"S\":\"ok\"},{\"N\":\"x\"}]}}}}", "attribute 'm.l[1]': 'x' is not a number"),
            ("{\"pk\":{\"S\":\"a\"},\"l\":{\"L\":{\"S\":\"x\"}}}", "the L value is an object"),
            ("{}", "the item has no attributes"),
            // An escape of half a surrogate pair decodes to no character: a bad value named by its path, not a reader error.
            ("{\"pk\":{\"S\":\"b\\ud800\"}}", "attribute 'pk': the S value (\"b\\ud800\") has the escape \\ud800, half of a UTF-16 surrogate pair"),
            ("{\"pk\":{\"S\":\"a\"},\"x\\udc00y\":{\"S\":\"v\"}}", "an attribute name (\"x\\udc00y\") has the escape \\udc00"),
            ("{\"pk\":{\"S\":\"a\"},\"m\":{\"M\":{\"\\udbff\\u0041\":{\"S\":\"v\"}}}}", "attribute 'm': an attribute name (\"\\udbff\\u0041\") has the escape \\udbff"),
            ("{\"pk\":{\"S\":\"a\"},\"s\":{\"SS\":[\"ok\",\"\\ud83dz\"]}}", "attribute 's': SS element 1 (\"\\ud83dz\") has the escape \\ud83d"),
            ("{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\\ud800\"}}", "attribute 'n': the N value (\"1\\ud800\") has the escape \\ud800"),
            ("{\"pk\":{\"S\\ud800\":\"a\"}}", "attribute 'pk': the type key (\"S\\ud800\") has the escape \\ud800"),
            ("{\"pk\":{\"S\":\"a\"},\"l\":{\"L\":[{\"S\":\"\\ude00\\ud83d\"}]}}", "attribute 'l[0]': the S value (\"\\ude00\\ud83d\") has the escape \\ude00"),
        };
        var data = new TheoryData<ItemFileFormat, string, string>();
        foreach (var format in new[] { ItemFileFormat.DataPipeline, ItemFileFormat.DynamoDbJson, ItemFileFormat.DynamoDbJsonIncremental })
        {
            foreach (var (map, reason) in cases)
            {
                // Incremental paths name the image the attribute is in.
                string expected = format == ItemFileFormat.DynamoDbJsonIncremental ? reason.Replace("attribute '", "attribute 'NewImage.", StringComparison.Ordinal) : reason;
                data.Add(format, LineOf(format, map), expected);
            }
        }
        data.Add(ItemFileFormat.DataPipeline, "[1]", "the line is neither a JSON object (it does not start with '{') nor a legacy Data Pipeline line");
        data.Add(ItemFileFormat.DynamoDbJson, "[1]", "the line is an array, not a JSON object");
        data.Add(ItemFileFormat.DataPipeline, "id\u0003{\"s\":\"a\"}\u0002broken", "attribute 2 has no \\x03 between its name and its value");
        data.Add(ItemFileFormat.DataPipeline, "\u0003{\"s\":\"a\"}", "has an empty name");
        data.Add(ItemFileFormat.DataPipeline, "id\u0003{\"s\":\"a\"}\u0002n\u0003{\"n\":\"x1\"}", "attribute 'n': 'x1' is not a number");
        data.Add(ItemFileFormat.DataPipeline, "id\u0003{\"s\":\"a\"} junk", "attribute 'id': invalid JSON");
        data.Add(ItemFileFormat.DataPipeline, "id\u0003{\"s\":\"a\"", "attribute 'id': the JSON ends before the object is complete");
        data.Add(ItemFileFormat.DynamoDbJson, "{\"pk\":{\"S\":\"a\"}}", "the line has no \"Item\" object");
        data.Add(ItemFileFormat.DynamoDbJson, "{\"Item\":[]}", "\"Item\" is an array, not an object of attributes");
        data.Add(ItemFileFormat.DynamoDbJson, "{\"Item\":{\"pk\":{\"S\":\"a\"}},\"Item\":{\"pk\":{\"S\":\"b\"}}}", "two \"Item\" fields");
        data.Add(ItemFileFormat.DynamoDbJsonIncremental, "{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"1\"}}}", "neither \"NewImage\" nor \"Keys\"");
        data.Add(ItemFileFormat.DynamoDbJsonIncremental, "{\"Keys\":[1]}", "\"Keys\" is an array, not an object of attributes");
        data.Add(ItemFileFormat.DynamoDbJsonIncremental, "{\"Keys\":{\"pk\":{\"N\":\"x\"}}}", "attribute 'Keys.pk': 'x' is not a number");
        data.Add(ItemFileFormat.DynamoDbJsonIncremental, "{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"soon\"}},\"Keys\":{\"pk\":{\"S\":\"a\"}}}", "\"Metadata\".\"WriteTimestampMicros\" must be {\"N\":\"<microseconds>\"}");
        return data;
    }

    [Theory]
    [MemberData(nameof(BadMaps))]
    public async Task Read_BadLineInSkipMode_ReportsLineAndReasonAndReadsTheLinesAroundIt(ItemFileFormat format, string badLine, string reason)
    {
        string good1 = LineOf(format, "{\"pk\":{\"S\":\"first\"}}");
        string good3 = LineOf(format, "{\"pk\":{\"S\":\"third\"}}");
        byte[] file = Encoding.UTF8.GetBytes($"{good1}\n{badLine}\n{good3}\n");
        var errors = new List<RecordError>();
        var options = new ItemReaderOptions { SourceName = Source, BadRecords = BadRecordHandling.Skip, OnBadRecord = errors.Add };

        await using var reader = ItemFiles.OpenReader(new MemoryStream(file), format, options);
        var records = new List<ItemRecord>();
        while (await reader.ReadAsync() is { } record)
        {
            records.Add(record);
        }

        Assert.Equal(["first", "third"], records.Select(r => r.Item["pk"].S));
        Assert.Equal([1L, 3], records.Select(r => r.Line));
        var error = Assert.Single(errors);
        Assert.Equal(Source, error.Source);
        Assert.Equal(2, error.Line);
        Assert.Contains(reason, error.Reason);
        Assert.Equal(badLine, error.RawLine);
        Assert.Equal(RecordError.ExcerptOf(badLine), error.Excerpt);
        Assert.Equal(1, reader.BadRecords);
        Assert.Equal(3, reader.LinesRead);
        Assert.Equal(file.Length, reader.BytesRead);
    }

    [Theory]
    [MemberData(nameof(BadMaps))]
    public async Task Read_BadLineInFailMode_ThrowsWithFileLineAndReason(ItemFileFormat format, string badLine, string reason)
    {
        byte[] file = Encoding.UTF8.GetBytes($"{LineOf(format, "{\"pk\":{\"S\":\"first\"}}")}\n{badLine}\n");
        await using var reader = ItemFiles.OpenReader(new MemoryStream(file), format, new ItemReaderOptions { SourceName = Source });

        Assert.NotNull(await reader.ReadAsync());
        var error = await Assert.ThrowsAsync<RecordFormatException>(() => reader.ReadAsync().AsTask());

        Assert.Equal(2, error.Error.Line);
        Assert.StartsWith($"{Source}:2: ", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Theory]
    [InlineData(ItemFileFormat.DataPipeline)]
    [InlineData(ItemFileFormat.DynamoDbJson)]
    [InlineData(ItemFileFormat.DynamoDbJsonIncremental)]
    public async Task Read_InvalidUtf8InAString_IsABadLine(ItemFileFormat format)
    {
        var file = new MemoryStream();
        file.Write(Encoding.UTF8.GetBytes(LineOf(format, "{\"pk\":{\"S\":\"first\"}}") + "\n"));
        byte[] bad = Encoding.UTF8.GetBytes(LineOf(format, "{\"pk\":{\"S\":\"bad X\"}}"));
        bad[Array.IndexOf(bad, (byte)'X')] = 0xC3; // a lead byte with no continuation
        file.Write(bad);
        file.Write("\n"u8);
        file.Write(Encoding.UTF8.GetBytes(LineOf(format, "{\"pk\":{\"S\":\"third\"}}") + "\n"));
        var errors = new List<RecordError>();

        var records = await ReadAllAsync(file.ToArray(), format, new ItemReaderOptions { BadRecords = BadRecordHandling.Skip, OnBadRecord = errors.Add });

        Assert.Equal(["first", "third"], records.Select(r => r.Item["pk"].S));
        Assert.Equal(2, Assert.Single(errors).Line);
        Assert.Contains("not valid UTF-8", errors[0].Reason);
    }

    [Theory]
    [InlineData(ItemFileFormat.DataPipeline)]
    [InlineData(ItemFileFormat.DynamoDbJson)]
    [InlineData(ItemFileFormat.DynamoDbJsonIncremental)]
    public async Task Read_EscapedSurrogatePairAndEscapedBackslashBeforeU_AreText(ItemFileFormat format)
    {
        // A whole pair is one character; "\\ud800" is a backslash and the letters "ud800", not an escape.
        string line = LineOf(format, "{\"pk\":{\"S\":\"ok\\ud83d\\ude00\"},\"t\":{\"S\":\"\\\\ud800\"},\"\\ud83d\\ude00\":{\"S\":\"v\"}}");

        var record = Assert.Single(await ReadAllAsync(Encoding.UTF8.GetBytes(line + "\n"), format));

        Assert.Equal("ok\U0001F600", record.Item["pk"].S);
        Assert.Equal("\\ud800", record.Item["t"].S);
        Assert.Equal("v", record.Item["\U0001F600"].S);
    }

    [Theory]
    [InlineData(ItemFileFormat.DataPipeline, 3_000)]
    [InlineData(ItemFileFormat.DynamoDbJson, 300_000)]
    [InlineData(ItemFileFormat.DynamoDbJsonIncremental, 2_000_000)]
    public async Task Read_LineLongerThanTheLimit_IsABadLineWithoutItsTextAndTheNextLinesStillRead(ItemFileFormat format, int length)
    {
        string longValue = new('x', length);
        string longLine = LineOf(format, $"{{\"pk\":{{\"S\":\"{longValue}\"}}}}");
        byte[] file = Encoding.UTF8.GetBytes(
            $"{LineOf(format, "{\"pk\":{\"S\":\"first\"}}")}\r\n{longLine}\r\n{LineOf(format, "{\"pk\":{\"S\":\"third\"}}")}\r\n{longLine}");
        var errors = new List<RecordError>();
        var options = new ItemReaderOptions { SourceName = Source, BadRecords = BadRecordHandling.Skip, OnBadRecord = errors.Add, MaxLineBytes = 1024 };

        var records = await ReadAllAsync(file, format, options);

        Assert.Equal(["first", "third"], records.Select(r => r.Item["pk"].S));
        Assert.Equal([2L, 4], errors.Select(e => e.Line));
        Assert.All(errors, e => Assert.Equal($"the line is {Encoding.UTF8.GetByteCount(longLine):N0} bytes, longer than the 1,024 accepted (an item is at most 400 KB); it was skipped unread", e.Reason));
        Assert.All(errors, e => Assert.Null(e.RawLine));
        Assert.All(errors, e => Assert.StartsWith(RecordError.ExcerptOf(longLine)[..100], e.Excerpt));
    }

    [Fact]
    public async Task Read_LineOfExactlyTheLimit_IsAccepted()
    {
        string prefix = "{\"pk\":{\"S\":\"";
        string suffix = "\"}}";
        string line = prefix + new string('y', 1024 - prefix.Length - suffix.Length) + suffix;
        Assert.Equal(1024, line.Length);

        var records = await ReadAllAsync(Encoding.UTF8.GetBytes(line + "\n" + line + "y\n"), ItemFileFormat.DataPipeline,
            new ItemReaderOptions { MaxLineBytes = 1024, BadRecords = BadRecordHandling.Skip });

        Assert.Single(records);
    }

    [Fact]
    public async Task Read_GoodLinesOnly_NeverCallsTheBadRecordHandler()
    {
        int calls = 0;
        var records = await ReadAllAsync(ReadTestData("all-types.data-pipeline.json"), ItemFileFormat.DataPipeline,
            new ItemReaderOptions { BadRecords = BadRecordHandling.Skip, OnBadRecord = _ => calls++ });

        Assert.Equal(4, records.Count);
        Assert.Equal(0, calls);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(1024 * 1024 * 1024 + 1)]
    public void OpenReader_MaxLineBytesOutOfRange_Throws(int maxLineBytes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ItemFiles.OpenReader(new MemoryStream(), ItemFileFormat.DataPipeline, new ItemReaderOptions { MaxLineBytes = maxLineBytes }));
    }
}
