using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using FsCheck;
using FsCheck.Xunit;
using static DynamoDb.Connector.Formats.Tests.Csv.CsvTestKit;

namespace DynamoDb.Connector.Formats.Tests.Csv;

public class CsvItemWriterTests
{
    private static Dictionary<string, AttributeValue>[] GoldenItems() =>
    [
        new()
        {
            ["pk"] = S("a"), ["s"] = S("x,y"), ["n"] = N("1.50"), ["b"] = B(1, 2, 3), ["flag"] = new() { BOOL = true },
            ["nothing"] = new() { NULL = true }, ["tags"] = new() { SS = ["p", "q"] }, ["nums"] = new() { NS = ["1", "2"] },
            ["blobs"] = new() { BS = [new MemoryStream([1])] },
            ["list"] = new() { L = [S("s"), N("2"), new() { BOOL = false }, new() { NULL = true }] },
            ["map"] = new() { M = new() { ["k"] = new() { M = new() { ["z"] = new() { L = [] } } } } },
        },
        new() { ["pk"] = S("b"), ["s"] = S(""), ["b"] = B() },
        new() { ["pk"] = S("c"), ["s"] = S("say \"hi\"\nbye"), ["n"] = N("-3"), ["flag"] = new() { BOOL = false }, ["list"] = new() { L = [] }, ["map"] = new() { M = [] } },
    ];

    [Fact]
    public async Task WriteAsync_GoldenItems_WritesTheGoldenFile()
    {
        var items = GoldenItems();
        string csv = await WriteAsync(CsvSchema.Infer(items), items);
        Assert.Equal(await File.ReadAllTextAsync(DataPath("Csv/written.csv")), csv);
    }

    [Fact]
    public async Task GoldenFile_ReadWithTheInferredSchema_GivesTheItemsBack()
    {
        var items = GoldenItems();
        await using var file = File.OpenRead(DataPath("Csv/written.csv"));
        var (records, errors, _) = await ReadAllAsync(file, CsvSchema.Infer(items));
        Assert.Empty(errors);
        Assert.Equal(items.Select(Show), records.Select(r => Show(r.Item)));
    }

    [Fact]
    public async Task WriteAsync_NoHeaderRow_WritesDataOnly()
    {
        var schema = new CsvSchema { HasHeaderRow = false, Delimiter = ';', ListDelimiter = ',', Columns = [new("pk"), new("ns", AttributeKind.NS)] };
        string csv = await WriteAsync(schema, new Dictionary<string, AttributeValue> { ["pk"] = S("a;b"), ["ns"] = new() { NS = ["1", "2"] } });
        Assert.Equal("\"a;b\";1,2\n", csv);
    }

    [Fact]
    public async Task CompleteAsync_NoItems_WritesTheHeaderOnly()
    {
        Assert.Equal("pk,n\n", await WriteAsync(new CsvSchema { Columns = [new("pk"), new("n", AttributeKind.N)] }));
    }

    public static TheoryData<string, Dictionary<string, AttributeValue>> Unholdable => new()
    {
        { "Attribute 'other' is not a column of the CSV schema", new() { ["pk"] = S("a"), ["other"] = S("x") } },
        { "Attribute 'n' is S but its CSV column is N", new() { ["pk"] = S("a"), ["n"] = S("1") } },
        { "Attribute 'l[1]' is B inside a list or map", new() { ["pk"] = S("a"), ["l"] = new() { L = [S("x"), B(1)] } } },
        { "Attribute 'l[0].k' is SS inside a list or map", new() { ["pk"] = S("a"), ["l"] = new() { L = [new() { M = new() { ["k"] = new() { SS = ["x"] } } }] } } },
        { "Attribute 'l[0]' holds the number '.5', which is not a JSON number", new() { ["pk"] = S("a"), ["l"] = new() { L = [N(".5")] } } },
        { "Attribute 'ss' has a set element holding the list delimiter ';'", new() { ["pk"] = S("a"), ["ss"] = new() { SS = ["x;y"] } } },
        { "Attribute 'ss' is an empty set", new() { ["pk"] = S("a"), ["ss"] = new() { SS = [] } } },
        { "Attribute 'ss' is a string set holding only an empty string", new() { ["pk"] = S("a"), ["ss"] = new() { SS = [""] } } },
        { "Attribute 'pk' has no type set", new() { ["pk"] = new() } },
        { "The item has no attributes", new() },
    };

    [Theory]
    [MemberData(nameof(Unholdable))]
    public async Task WriteAsync_ValueCsvCannotHold_IsRefusedByName(string message, Dictionary<string, AttributeValue> item)
    {
        var schema = new CsvSchema { Columns = [new("pk"), new("n", AttributeKind.N), new("l", AttributeKind.L), new("ss", AttributeKind.SS)] };
        var buffer = new MemoryStream();
        await using var writer = new CsvItemWriter(buffer, schema);
        await writer.WriteAsync(new ItemRecord(new() { ["pk"] = S("first") }, 0));

        var error = await Assert.ThrowsAsync<NotSupportedException>(async () => await writer.WriteAsync(new ItemRecord(item, 0)));
        Assert.StartsWith(message, error.Message);
        await writer.CompleteAsync();
        Assert.Equal("pk,n,l,ss\nfirst,,,\n", Encoding.UTF8.GetString(buffer.ToArray())); // nothing of the refused item
        Assert.Equal(1, writer.ItemsWritten);
    }

    [Fact]
    public async Task WriteAsync_Delete_IsNotSupported()
    {
        await using var writer = new CsvItemWriter(new MemoryStream(), new CsvSchema { Columns = [new("pk")] });
        var error = await Assert.ThrowsAsync<NotSupportedException>(async () =>
            await writer.WriteAsync(new ItemRecord(new() { ["pk"] = S("a") }, 0, RecordOperation.Delete)));
        Assert.Contains("delete", error.Message);
    }

    [Fact]
    public void Constructor_SchemaWithoutColumns_IsRejected() =>
        Assert.Throws<ArgumentException>(() => new CsvItemWriter(new MemoryStream(), new CsvSchema()));

    private static readonly CsvSchema RoundTripSchema = new()
    {
        EmptyCells = CsvEmptyCells.Omit,
        Columns = [new("pk"), new("s"), new("n", AttributeKind.N), new("b", AttributeKind.B), new("flag", AttributeKind.Bool), new("ss", AttributeKind.SS), new("l", AttributeKind.L)],
    };

    /// <summary>Text CSV and UTF-8 can hold: no lone surrogates.</summary>
    private static string Clean(string? text) => new((text ?? "").Where(c => !char.IsSurrogate(c)).ToArray());

    [Property(MaxTest = 200)]
    public bool Item_ThroughCsv_ComesBackEqual(NonEmptyString pk, string? s, decimal n, byte[]? bytes, bool? flag, string[]? tags, string? nested)
    {
        var item = new Dictionary<string, AttributeValue> { ["pk"] = S(Clean(pk.Get) is { Length: > 0 } key ? key : "k") };
        if (s is not null) item["s"] = S(Clean(s));
        item["n"] = N(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (bytes is not null) item["b"] = B(bytes);
        if (flag is { } f) item["flag"] = new() { BOOL = f };
        var set = (tags ?? []).Select(Clean).Where(t => t.Length > 0 && !t.Contains(';')).Distinct().ToList();
        if (set.Count > 0) item["ss"] = new() { SS = set };
        if (nested is not null) item["l"] = new() { L = [S(Clean(nested)), N("-1.25E-7"), new() { M = new() { [Clean(nested)] = new() { NULL = true } } }] };

        string csv = WriteAsync(RoundTripSchema, item).GetAwaiter().GetResult();
        var (records, errors, _) = ReadTextAsync(csv, RoundTripSchema).GetAwaiter().GetResult();
        return errors.Count == 0 && records.Count == 1 && Show(records[0].Item) == Show(item);
    }
}
