using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using static DynamoDb.Connector.Formats.Tests.Csv.CsvTestKit;

namespace DynamoDb.Connector.Formats.Tests.Csv;

public class CsvRaggedRowsTests
{
    private const string Mixed = "pk,n,note\na,1,x\nb,2\nc,3,z,extra\n";

    [Fact]
    public async Task ReadAsync_ShortRowByDefault_IsABadRecordNamingTheMissingColumnAndThePadOption()
    {
        var (records, errors, _) = await ReadTextAsync(Mixed, new CsvSchema { Columns = [new("n", AttributeKind.N)] });

        Assert.Equal(["a"], records.Select(r => r.Item["pk"].S));
        Assert.Equal(3, errors[0].Line);
        Assert.Contains("record has 2 columns; the header has 3 (no cell for 'note')", errors[0].Reason);
        Assert.Contains("\"ragged\": \"pad\"", errors[0].Reason);
        Assert.Equal(4, errors[1].Line);
        Assert.Contains("extra cell from column 4 on, starting 'extra'", errors[1].Reason);
        Assert.Contains("\"extraCells\": \"keep\"", errors[1].Reason);
    }

    [Theory]
    [InlineData(CsvEmptyCells.EmptyString, "{n:N(2),note:S(),pk:S(b)}")]
    [InlineData(CsvEmptyCells.Omit, "{n:N(2),pk:S(b)}")]
    [InlineData(CsvEmptyCells.Null, "{n:N(2),note:NULL,pk:S(b)}")]
    public async Task ReadAsync_PaddedShortRow_ReadsTheMissingCellsAsEmptyCells(CsvEmptyCells empty, string shortRow)
    {
        var schema = new CsvSchema { Ragged = CsvRaggedRows.Pad, EmptyCells = empty, Columns = [new("n", AttributeKind.N)] };
        var (records, errors, _) = await ReadTextAsync("pk,n,note\na,1,x\nb,2\nc\n", schema);

        Assert.Empty(errors);
        Assert.Equal("{n:N(1),note:S(x),pk:S(a)}", Show(records[0].Item));
        Assert.Equal(shortRow, Show(records[1].Item));
        Assert.Equal(empty == CsvEmptyCells.Null ? "{n:NULL,note:NULL,pk:S(c)}" : empty == CsvEmptyCells.Omit ? "{pk:S(c)}" : "{note:S(),pk:S(c)}", Show(records[2].Item));
    }

    [Fact]
    public async Task ReadAsync_TenAndElevenColumnRows_ImportInOneRunWithPad()
    {
        string header = string.Join(",", Enumerable.Range(1, 11).Select(i => $"c{i}"));
        string ten = string.Join(",", Enumerable.Range(1, 10).Select(i => $"v{i}"));
        var (records, errors, _) = await ReadTextAsync($"{header}\n{ten}\n{ten},opt\n", CsvSchema.Parse("""{"ragged":"pad","emptyCells":"omit"}"""));

        Assert.Empty(errors);
        Assert.False(records[0].Item.ContainsKey("c11"));
        Assert.Equal("opt", records[1].Item["c11"].S);
    }

    [Fact]
    public async Task ReadAsync_ExtraCellsKept_AreStringsNamedByTheirPosition()
    {
        var schema = new CsvSchema { ExtraCells = CsvExtraCells.Keep, Ragged = CsvRaggedRows.Pad };
        var (records, errors, _) = await ReadTextAsync(Mixed, schema);

        Assert.Empty(errors);
        Assert.Equal("{column4:S(extra),n:S(3),note:S(z),pk:S(c)}", Show(records[2].Item));
    }

    [Fact]
    public async Task ReadAsync_ExtraCellWhoseNameIsAHeaderColumn_IsABadRecord()
    {
        var (records, errors, _) = await ReadTextAsync("column3,b\nx,y,z\n", new CsvSchema { ExtraCells = CsvExtraCells.Keep });

        Assert.Empty(records);
        Assert.Contains("extra cell 3 would be kept as 'column3', which is already a column of the header", Assert.Single(errors).Reason);
    }

    [Fact]
    public async Task ReadAsync_EmptyCellsAsNull_MakeNullInEveryTypeButAQuotedEmptyString()
    {
        var schema = new CsvSchema { EmptyCells = CsvEmptyCells.Null, Columns = [new("n", AttributeKind.N), new("b", AttributeKind.B), new("m", AttributeKind.M)] };
        var (records, errors, _) = await ReadTextAsync("pk,s,n,b,m\na,,, ,\nb,\"\",1,\"\",{}\n", schema);

        Assert.Empty(errors);
        Assert.Equal("{b:NULL,m:NULL,n:NULL,pk:S(a),s:NULL}", Show(records[0].Item));
        Assert.Equal("{b:B(),m:M{},n:N(1),pk:S(b),s:S()}", Show(records[1].Item));
    }

    [Fact]
    public void Parse_RaggedExtraCellsAndNull_RoundTripThroughToJson()
    {
        var schema = CsvSchema.Parse("""{"ragged":"PAD","extraCells":"keep","emptyCells":"null"}""");
        Assert.Equal((CsvRaggedRows.Pad, CsvExtraCells.Keep, CsvEmptyCells.Null), (schema.Ragged, schema.ExtraCells, schema.EmptyCells));

        var again = CsvSchema.Parse(schema.ToJson());
        Assert.Equal((CsvRaggedRows.Pad, CsvExtraCells.Keep, CsvEmptyCells.Null), (again.Ragged, again.ExtraCells, again.EmptyCells));
    }

    [Theory]
    [InlineData("""{"ragged":"fill"}""", "schema.json: \"ragged\" is 'fill'; use \"error\" or \"pad\".")]
    [InlineData("""{"extraCells":true}""", "schema.json: \"extraCells\" must be \"error\" or \"keep\", found a boolean.")]
    [InlineData("""{"emptyCells":"none"}""", "schema.json: \"emptyCells\" is 'none'; use \"empty-string\" or \"omit\" or \"null\".")]
    public void Parse_UnknownPolicy_IsRefusedNamingTheChoices(string json, string message)
    {
        Assert.Equal(message, Assert.Throws<FormatException>(() => CsvSchema.Parse(json, "schema.json")).Message);
    }

    [Theory]
    [InlineData("user#1,12,true\nuser#2,7,false\n")]
    [InlineData("1,2.5\n3,4\n")]
    [InlineData("k-001,alice,3\nk-002,bob,4\n")]
    public async Task ReadAsync_HeaderShapedLikeTheRowBelow_IsRefusedWithTheHeaderFalseHint(string csv)
    {
        var error = await Assert.ThrowsAsync<RecordFormatException>(() => ReadTextAsync(csv, null));

        Assert.Equal(1, error.Error.Line);
        Assert.Contains("line 1 looks like data, not a header", error.Error.Reason, StringComparison.Ordinal);
        Assert.Contains("\"header\": false", error.Error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pk,score,active\nuser#1,12,true\n")]
    [InlineData("id,q1,q2\n1,5,6\n")]
    public async Task ReadAsync_RealHeader_IsNotTakenForData(string csv)
    {
        var (records, errors, _) = await ReadTextAsync(csv, null);
        Assert.Empty(errors);
        Assert.Single(records);
    }

    [Fact]
    public async Task ReadAsync_NumericHeaderConfirmedByTheSchema_IsRead()
    {
        var (records, _, _) = await ReadTextAsync("2023,2024\n1,2\n", new CsvSchema { Columns = [new("2023", AttributeKind.N), new("2024", AttributeKind.N)] });
        Assert.Equal("{2023:N(1),2024:N(2)}", Show(Assert.Single(records).Item));
    }

    [Fact]
    public async Task ReadAsync_BadRecord_KeepsTheHeaderItWasReadUnder()
    {
        var (_, errors, _) = await ReadTextAsync("\uFEFFpk,n\r\na,x\r\n", new CsvSchema { Columns = [new("n", AttributeKind.N)] });
        var error = Assert.Single(errors);
        Assert.Equal("a,x", error.RawLine);
        Assert.Equal("pk,n", error.Csv?.HeaderLine);

        var (_, headerless, _) = await ReadTextAsync("a,x\n", new CsvSchema { HasHeaderRow = false, Columns = [new("pk"), new("n", AttributeKind.N)] });
        Assert.Equal(new CsvRecordOrigin(null), Assert.Single(headerless).Csv);
    }

    [Fact]
    public async Task ReadAsync_RecordTooLongToKeep_IsNotMarkedAsAWholeCsvRecord()
    {
        var (_, errors, _) = await ReadTextAsync($"pk\n{new string('x', 2000)}\n", null, maxLineBytes: 1024);
        Assert.Null(Assert.Single(errors).Csv);
    }
}
