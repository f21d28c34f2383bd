using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Parquet;
using Parquet;
using Parquet.Schema;

namespace DynamoDb.Connector.Formats.Tests.Parquet;

/// <summary>Lists, maps and sets written as native nested Parquet (LIST, STRUCT, MAP), the fallback to DynamoDB JSON text, and later row groups held to the inferred schema.</summary>
public class ParquetNestedWriterTests
{
    private static AttributeValue S(string s) => new() { S = s };

    private static AttributeValue N(string n) => new() { N = n };

    private static async Task<MemoryStream> WriteAsync(IEnumerable<Dictionary<string, AttributeValue>> items, ParquetWriterOptions? options = null)
    {
        var stream = new MemoryStream();
        await using (var writer = ParquetFiles.OpenWriter(stream, options, leaveOpen: true))
        {
            foreach (var item in items) await writer.WriteAsync(new ItemRecord(item, 0));
            await writer.CompleteAsync();
        }
        stream.Position = 0;
        return stream;
    }

    private static async Task<List<Dictionary<string, AttributeValue>>> ReadAsync(Stream stream, ParquetNulls nulls = ParquetNulls.Omit)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        stream.Position = 0;
        await using var reader = ParquetFiles.OpenReader(stream, new ItemReaderOptions { LeaveOpen = true }, nulls);
        while (await reader.ReadAsync() is { } record) items.Add(record.Item);
        return items;
    }

    private static async Task<ParquetSchema> SchemaAsync(Stream stream)
    {
        stream.Position = 0;
        await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true);
        return reader.Schema;
    }

    [Fact]
    public async Task Writer_ListsMapsAndSets_AreNativeNestedColumns_AndReadBackEqual()
    {
        var items = Enumerable.Range(1, 3).Select(i => new Dictionary<string, AttributeValue>
        {
            ["pk"] = S($"k{i}"),
            ["doc"] = new() { M = new() { ["name"] = S($"n{i}"), ["tags"] = new() { SS = ["a", $"b{i}"] }, ["scores"] = new() { L = [N("1"), N($"{i}.5"), new() { NULL = true }] } } },
            ["events"] = new() { L = [new() { M = new() { ["at"] = N($"{i}") } }, new() { M = new() { ["at"] = N("7"), ["ok"] = new() { BOOL = true } } }] },
            ["grid"] = new() { L = [new() { L = [N("1"), N("2")] }, new() { L = [] }] },
            ["sizes"] = new() { NS = ["1", $"{i}"] },
            ["empty"] = new() { L = [] },
        }).ToList();

        var stream = await WriteAsync(items);
        var schema = await SchemaAsync(stream);
        var back = await ReadAsync(stream);

        Assert.IsType<StructField>(schema.Fields.Single(f => f.Name == "doc"));
        Assert.IsType<ListField>(schema.Fields.Single(f => f.Name == "events"));
        Assert.IsType<ListField>(schema.Fields.Single(f => f.Name == "sizes"));
        var two = back[1];
        Assert.Equal("n2", two["doc"].M["name"].S);
        Assert.Equal(["a", "b2"], two["doc"].M["tags"].L.Select(v => v.S));
        Assert.Equal("2.5", two["doc"].M["scores"].L[1].N);
        Assert.True(two["doc"].M["scores"].L[2].NULL); // a null in a list keeps its position
        Assert.Equal("1.0", two["doc"].M["scores"].L[0].N); // decimal(38,1): the same number, at the column's scale
        Assert.Equal("2", two["events"].L[0].M["at"].N);
        Assert.False(two["events"].L[0].M.ContainsKey("ok")); // a field the map lacks is a null: left out
        Assert.True(two["events"].L[1].M["ok"].BOOL);
        Assert.Equal(["1", "2"], two["grid"].L[0].L.Select(v => v.N));
        Assert.Empty(two["grid"].L[1].L);
        Assert.Equal(["1", "2"], two["sizes"].L.Select(v => v.N));
        Assert.Empty(two["empty"].L);
    }

    [Fact]
    public async Task Writer_AMapWithManyKeys_IsAParquetMap()
    {
        var wide = Enumerable.Range(0, ParquetShape.MaxStructFields + 1).ToDictionary(i => $"key{i}", i => N($"{i}"));
        var items = new List<Dictionary<string, AttributeValue>> { new() { ["pk"] = S("a"), ["counts"] = new() { M = wide } }, new() { ["pk"] = S("b"), ["counts"] = new() { M = [] } } };

        var stream = await WriteAsync(items);
        var back = await ReadAsync(stream);

        Assert.IsType<MapField>((await SchemaAsync(stream)).Fields.Single(f => f.Name == "counts"));
        Assert.Equal(wide.Count, back[0]["counts"].M.Count);
        Assert.Equal("100", back[0]["counts"].M["key100"].N);
        Assert.Empty(back[1]["counts"].M);
    }

    [Fact]
    public async Task Writer_AnAttributeANumberInOneItemAndAMapInAnother_IsDynamoDbJsonText_AndReported()
    {
        var items = new List<Dictionary<string, AttributeValue>>
        {
            new() { ["pk"] = S("a"), ["v"] = new() { M = new() { ["x"] = N("1") } } },
            new() { ["pk"] = S("b"), ["v"] = new() { M = new() { ["x"] = new() { M = new() { ["y"] = S("z") } } } } },
        };
        var fallbacks = new List<(string, string)>();

        var back = await ReadAsync(await WriteAsync(items, new ParquetWriterOptions { OnFallback = (name, why) => fallbacks.Add((name, why)) }));

        var (attribute, reason) = Assert.Single(fallbacks);
        Assert.Equal("v", attribute);
        Assert.Contains("v.x holds M, where other values of it hold int64", reason, StringComparison.Ordinal);
        Assert.Equal("""{"M":{"x":{"N":"1"}}}""", back[0]["v"].S);
        Assert.Equal("""{"M":{"x":{"M":{"y":{"S":"z"}}}}}""", back[1]["v"].S);
    }

    [Fact]
    public async Task Writer_ANestedValueTheSchemaCannotHold_AfterTheFirstRowGroup_IsRefusedNamingItsPath()
    {
        var stream = new MemoryStream();
        await using var writer = ParquetFiles.OpenWriter(stream, new ParquetWriterOptions { RowGroupRows = 1 });
        await writer.WriteAsync(new ItemRecord(new() { ["pk"] = S("a"), ["doc"] = new() { M = new() { ["l"] = new() { L = [N("1")] } } } }, 0));

        var wrongType = await Assert.ThrowsAsync<FormatException>(() => writer.WriteAsync(new ItemRecord(new() { ["pk"] = S("b"), ["doc"] = new() { M = new() { ["l"] = new() { L = [S("x")] } } } }, 0)).AsTask());
        var newField = await Assert.ThrowsAsync<FormatException>(() => writer.WriteAsync(new ItemRecord(new() { ["pk"] = S("c"), ["doc"] = new() { M = new() { ["other"] = S("x") } } }, 0)).AsTask());

        Assert.Contains("attribute 'doc': doc.l[0] holds S, but its column was made int64", wrongType.Message, StringComparison.Ordinal);
        Assert.Contains("doc.other is not in the file's schema", newField.Message, StringComparison.Ordinal);
    }
}
