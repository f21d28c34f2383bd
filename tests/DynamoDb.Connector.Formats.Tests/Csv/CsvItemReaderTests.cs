using System.Text;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using static DynamoDb.Connector.Formats.Tests.Csv.CsvTestKit;

namespace DynamoDb.Connector.Formats.Tests.Csv;

public class CsvItemReaderTests
{
    private static async Task<CsvSchema> TypedSchemaAsync()
    {
        await using var file = File.OpenRead(DataPath("Csv/typed.schema.json"));
        return await CsvSchema.LoadAsync(file);
    }

    [Fact]
    public async Task ReadAsync_TypedColumns_ReadEveryType()
    {
        await using var file = File.OpenRead(DataPath("Csv/typed.csv"));
        var (records, errors, reader) = await ReadAllAsync(file, await TypedSchemaAsync());

        Assert.Empty(errors);
        Assert.Equal(2, records.Count);
        Assert.Equal(
            "{b:B(AQID),blobs:BS(AQ==|Ag==),flag:BOOL(True),list:L[S(x),N(1),BOOL(True),NULL,L[],M{}],map:M{k:S(v),n:N(-1.5E3)},n:N(42),note:S(plain),nothing:NULL,nums:NS(1|2.50),pk:S(user#1),tags:SS(a|b)}",
            Show(records[0].Item));
        Assert.Equal(2, records[0].Line);
        // Blank typed cells are left out; surrounding blanks of a number are ignored; the untyped column is a string.
        Assert.Equal("{flag:BOOL(False),n:N(-0.5),note:S(with, comma),pk:S(user#2),tags:SS(x)}", Show(records[1].Item));
        Assert.Equal(3, records[1].Line);
        Assert.Equal(3, reader.LinesRead);
        Assert.Equal(new FileInfo(DataPath("Csv/typed.csv")).Length, reader.BytesRead);
    }

    [Fact]
    public async Task ReadAsync_QuotedFieldsCrlfBomAndUnicode_AreRead()
    {
        await using var file = File.OpenRead(DataPath("Csv/quoted.csv"));
        var (records, errors, reader) = await ReadAllAsync(file, schema: null);

        Assert.Empty(errors);
        Assert.Equal(
            ["{id:S(1),other:S(x),text:S(a, b)}", "{id:S(2),other:S(y),text:S(say \"hi\")}", "{id:S(3),other:S(z),text:S(line one\r\nline two)}", "{id:S(4),other:S(),text:S(日本語 — ünïcødé 🎉)}"],
            records.Select(r => Show(r.Item)));
        // The header is line 1; record 3 spans lines 4-5; line 6 is empty.
        Assert.Equal([2L, 3L, 4L, 7L], records.Select(r => r.Line));
        Assert.Equal(7, reader.LinesRead);
    }

    [Theory]
    [InlineData(CsvEmptyCells.EmptyString, "{pk:S(a),s:S()}")]
    [InlineData(CsvEmptyCells.Omit, "{pk:S(a)}")]
    public async Task ReadAsync_EmptyCells_FollowThePolicy(CsvEmptyCells policy, string first)
    {
        var schema = new CsvSchema { EmptyCells = policy, Columns = [new("n", AttributeKind.N)] };
        await using var file = File.OpenRead(DataPath("Csv/empty-cells.csv"));
        var (records, errors, _) = await ReadAllAsync(file, schema);

        Assert.Empty(errors);
        Assert.Equal(first, Show(records[0].Item)); // an empty N cell is always left out
        Assert.Equal("{n:N(5),pk:S(b),s:S()}", Show(records[1].Item)); // a quoted empty cell is always an empty string
    }

    [Fact]
    public async Task ReadAsync_ExplicitHeader_ReadsLineOneAsData()
    {
        var schema = CsvSchema.Parse("""{"header":false,"columns":[{"name":"pk"},{"name":"n","type":"N"}]}""");
        await using var file = File.OpenRead(DataPath("Csv/explicit-header.csv"));
        var (records, _, reader) = await ReadAllAsync(file, schema);

        Assert.Equal(["{n:N(1),pk:S(k1)}", "{n:N(2),pk:S(k2)}"], records.Select(r => Show(r.Item)));
        Assert.Equal([1L, 2L], records.Select(r => r.Line));
        Assert.Equal(2, reader.LinesRead); // the last line has no line end
    }

    [Fact]
    public async Task ReadAsync_OtherDelimiters_SplitCellsAndSets()
    {
        var schema = new CsvSchema { Delimiter = '\t', ListDelimiter = '|', Columns = [new("tags", AttributeKind.SS)] };
        await using var file = File.OpenRead(DataPath("Csv/tab.tsv"));
        var (records, _, _) = await ReadAllAsync(file, schema);
        Assert.Equal("{pk:S(a),tags:SS(x|y)}", Show(Assert.Single(records).Item));
    }

    [Fact]
    public async Task ReadAsync_SkipMode_ReportsBadRecordsWithLinesAndReadsTheRest()
    {
        var schema = new CsvSchema { Columns = [new("n", AttributeKind.N)] };
        await using var file = File.OpenRead(DataPath("Csv/bad.csv"));
        var (records, errors, reader) = await ReadAllAsync(file, schema, source: "bad.csv");

        Assert.Equal(["ok1", "ok2", "ok3"], records.Select(r => r.Item["pk"].S));
        Assert.Equal("multi\nline", records[0].Item["note"].S);
        Assert.Equal([2L, 5L, 8L], records.Select(r => r.Line));
        Assert.Equal([4L, 6L, 7L], errors.Select(e => e.Line));
        Assert.Contains("column 'n' (N): 'abc' is not a number", errors[0].Reason);
        Assert.Equal("bad1,abc,x", errors[0].RawLine);
        Assert.Equal("bad.csv", errors[0].Source);
        Assert.Contains("record has 2 columns; the header has 3", errors[1].Reason);
        Assert.Contains("column 'note': unexpected text after the closing quote", errors[2].Reason);
        Assert.Equal(3, reader.BadRecords);
    }

    [Fact]
    public async Task ReadAsync_FailMode_ThrowsAtTheFirstBadRecord()
    {
        var schema = new CsvSchema { Columns = [new("n", AttributeKind.N)] };
        await using var file = File.OpenRead(DataPath("Csv/bad.csv"));
        var options = new ItemReaderOptions { SourceName = "bad.csv", Csv = schema };
        await using var reader = new CsvItemReader(file, options);

        Assert.Equal("ok1", (await reader.ReadAsync())!.Item["pk"].S);
        var error = await Assert.ThrowsAsync<RecordFormatException>(async () => await reader.ReadAsync());
        Assert.Equal(4, error.Error.Line);
        Assert.StartsWith("bad.csv:4: column 'n' (N)", error.Message);
    }

    [Fact]
    public async Task ReadAsync_UnclosedQuote_CostsOneRecord()
    {
        await using var file = File.OpenRead(DataPath("Csv/unterminated.csv"));
        var (records, errors, reader) = await ReadAllAsync(file, schema: null);

        Assert.Equal(["a", "c", "d"], records.Select(r => r.Item["pk"].S));
        Assert.Equal([2L, 4L, 5L], records.Select(r => r.Line));
        var error = Assert.Single(errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("column 'note': a quoted field is not closed", error.Reason);
        Assert.Equal("b,\"oops", error.RawLine);
        Assert.Equal(5, reader.LinesRead);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public async Task ReadAsync_StrayQuoteClosedLinesLaterByAnotherFieldsQuote_CostsOneRecord_AndNamesBothLines(string newLine)
    {
        // The quote opened on line 3 swallows lines 3-5 up to the quote that opens a field on line 5: text follows it.
        string csv = string.Join(newLine, "pk,sk,v", "a,1,x", "b,2,\"oops", "c,3,y", "d,4,\"two", "lines\"", "e,5,z", "");
        var (records, errors, reader) = await ReadTextAsync(csv, schema: null);

        Assert.Equal(["a", "c", "d", "e"], records.Select(r => r.Item["pk"].S));
        Assert.Equal([2L, 4L, 5L, 7L], records.Select(r => r.Line));
        Assert.Equal("two\nlines".Replace("\n", newLine, StringComparison.Ordinal), records[2].Item["v"].S);
        var error = Assert.Single(errors);
        Assert.Equal(3, error.Line);
        Assert.Equal("column 'v': a quoted field is not closed on line 3, where it opens: the next quote, on line 5, is followed by 'two'; reading on from line 4", error.Reason);
        Assert.Equal("b,2,\"oops", error.RawLine);
        Assert.Equal(7, reader.LinesRead);
    }

    [Fact]
    public async Task ReadAsync_TextAfterAClosingQuoteOnTheSameLine_IsOneBadRecord()
    {
        var (records, errors, _) = await ReadTextAsync("pk,v\na,\"x\"y\nb,z\n", schema: null);

        Assert.Equal(["b"], records.Select(r => r.Item["pk"].S));
        Assert.StartsWith("column 'v': unexpected text after the closing quote ('y')", Assert.Single(errors).Reason);
    }

    [Fact]
    public async Task ReadAsync_UnclosedQuoteAfterAMultiLineField_ResumesAfterTheQuotesLine()
    {
        // Record 2 holds a legitimate two-line field (lines 2-3), then opens a quote on line 3 that never closes.
        const string csv = "pk,a,b\nx,\"one\ntwo\",\"oops\ny,1,2\n";
        var (records, errors, _) = await ReadTextAsync(csv, schema: null);

        Assert.Equal(4, Assert.Single(records).Line);
        Assert.Equal(2, Assert.Single(errors).Line);
        Assert.Contains("column 'b'", errors[0].Reason);
    }

    [Theory]
    [InlineData("b", "B", "!!!", "column 'v' (B): '!!!' is not valid base64")]
    [InlineData("flag", "BOOL", "yes", "column 'v' (BOOL): 'yes' is not true or false")]
    [InlineData("nil", "NULL", "false", "column 'v' (NULL): 'false' is not null")]
    [InlineData("n", "N", "1e400", "column 'v' (N): number '1e400' is larger than DynamoDB allows")]
    [InlineData("ns", "NS", "1;x", "column 'v' (NS): number set element 2: 'x' is not a number")]
    [InlineData("bs", "BS", "AQ==;@", "column 'v' (BS): binary set element 2: '@' is not valid base64")]
    [InlineData("l", "L", "{\"a\":1}", "column 'v' (L): expected a JSON array")]
    [InlineData("m", "M", "{\"a\":}", "column 'v' (M): invalid JSON at byte 6")]
    [InlineData("m2", "M", "{\"a\":1,\"a\":2}", "column 'v' (M): key 'a' appears twice")]
    [InlineData("l2", "L", "[1] 2", "column 'v' (L): invalid JSON at byte 5")]
    [InlineData("l4", "L", "[\"b\\ud800\"]", "column 'v' (L): a JSON string (\"b\\ud800\") has the escape \\ud800, half of a UTF-16 surrogate pair")]
    [InlineData("m3", "M", "{\"x\\udc00\":1}", "column 'v' (M): a JSON object key (\"x\\udc00\") has the escape \\udc00")]
    [InlineData("l3", "L", "[1e999]", "column 'v' (L): number '1e999' is larger")]
    public async Task ReadAsync_CellNotOfItsType_IsABadRecordNamingTheColumn(string _, string type, string cell, string reason)
    {
        var schema = CsvSchema.Parse($$"""{"columns":[{"name":"v","type":"{{type}}"}]}""");
        string quotedCell = "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        var (records, errors, _) = await ReadTextAsync($"pk,v\nbefore,\nbad,{quotedCell}\nafter,\n", schema);

        Assert.Equal(["before", "after"], records.Select(r => r.Item["pk"].S));
        var error = Assert.Single(errors);
        Assert.Equal(3, error.Line);
        Assert.StartsWith(reason, error.Reason);
    }

    [Fact]
    public async Task ReadAsync_RecordLongerThanMaxLineBytes_IsSkippedWithoutBufferingIt()
    {
        string longCell = "\"" + string.Concat(Enumerable.Repeat("x\n", 2000)) + "\"";
        var (records, errors, _) = await ReadTextAsync($"pk,v\na,1\nb,{longCell}\nc,3\n", null, maxLineBytes: 1024);

        Assert.Equal(["a", "c"], records.Select(r => r.Item["pk"].S));
        Assert.Equal([2L, 2004L], records.Select(r => r.Line));
        var error = Assert.Single(errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("longer than 1,024 bytes", error.Reason);
        Assert.Null(error.RawLine);
    }

    [Fact]
    public async Task ReadAsync_InvalidUtf8_IsABadRecord()
    {
        var bytes = Encoding.UTF8.GetBytes("pk,v\na,").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\nb,ok\n")).ToArray();
        var (records, errors, _) = await ReadAllAsync(new MemoryStream(bytes), null);
        Assert.Equal("b", Assert.Single(records).Item["pk"].S);
        Assert.Contains("column 'v' (S): not valid UTF-8", Assert.Single(errors).Reason);
    }

    [Fact]
    public async Task ReadAsync_AllCellsEmptyUnderOmit_IsABadRecord()
    {
        var (records, errors, _) = await ReadTextAsync("pk,v\n,\nx,y\n", new CsvSchema { EmptyCells = CsvEmptyCells.Omit });
        Assert.Single(records);
        Assert.Contains("every cell of the record is empty", Assert.Single(errors).Reason);
    }

    [Theory]
    [InlineData("pk,pk\na,b\n", "header column 'pk' appears twice")]
    [InlineData("pk,\na,b\n", "header column 2 has no name")]
    [InlineData("pk,\"v\na,b\n", "column 2: a quoted field is not closed")]
    [InlineData("pk,value\na,1\n", "types column 'v' but the header has no such column")]
    public async Task ReadAsync_BadHeader_ThrowsEvenInSkipMode(string csv, string reason)
    {
        var schema = new CsvSchema { Columns = [new("v", AttributeKind.N)] };
        var error = await Assert.ThrowsAsync<RecordFormatException>(() => ReadTextAsync(csv, schema));
        Assert.Equal(1, error.Error.Line);
        Assert.Contains(reason, error.Error.Reason);
    }

    [Theory]
    [InlineData("a,1,,x\nb,2,,y\n")]
    [InlineData("1,1,x\n2,2,y\n")]
    public async Task ReadAsync_FirstLineThatIsData_SaysHowToReadAFileWithoutAHeader(string csv)
    {
        var error = await Assert.ThrowsAsync<RecordFormatException>(() => ReadTextAsync(csv, null));

        Assert.Contains("if the file has no header line (line 1 is data), give the columns in a CSV schema with \"header\": false", error.Error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_EmptyFile_HasNoItems()
    {
        var (records, errors, reader) = await ReadTextAsync("", null);
        Assert.Empty(records);
        Assert.Empty(errors);
        Assert.Equal(0, reader.LinesRead);
    }

    [Fact]
    public async Task ReadAsync_OneByteAtATime_ReadsTheSame()
    {
        var bytes = await File.ReadAllBytesAsync(DataPath("Csv/quoted.csv"));
        var (whole, _, _) = await ReadAllAsync(new MemoryStream(bytes), null);
        var (trickled, errors, _) = await ReadAllAsync(new TrickleStream(bytes), null);

        Assert.Empty(errors);
        Assert.Equal(whole.Select(r => (Show(r.Item), r.Line)), trickled.Select(r => (Show(r.Item), r.Line)));
    }

    /// <summary>A stream that returns one byte per read, to cross every buffer boundary.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
