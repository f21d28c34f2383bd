using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using BenchmarkDotNet.Attributes;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Benchmarks.Formats;

/// <summary>
/// Writing ~1 KB items as lines: the connector's writer (escaping by hand into a pooled buffer) against the obvious
/// code (build a JsonNode per item, ToJsonString, StreamWriter.WriteLine). One operation is one line.
/// </summary>
[Config(typeof(LineBenchmarkConfig))]
public class LineWritingBenchmarks
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly MemoryStream _output = new();
    private List<ItemRecord> _records = [];

    [Params(ItemFileFormat.DataPipeline, ItemFileFormat.DynamoDbJson)]
    public ItemFileFormat Format { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _records = [.. LineBenchmarkData.Items.Select((item, i) => new ItemRecord(item, i + 1))];
        _output.Capacity = LineBenchmarkData.File(Format).Length * 2;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = LineBenchmarkData.Lines)]
    public long JsonNodePerItem()
    {
        _output.SetLength(0);
        bool upper = Format == ItemFileFormat.DynamoDbJson;
        using (var writer = new StreamWriter(_output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true))
        {
            foreach (var record in _records)
            {
                JsonNode node = MapToNode(record.Item, upper);
                if (upper) node = new JsonObject { ["Item"] = node };
                writer.Write(node.ToJsonString(Relaxed));
                writer.Write('\n');
            }
        }
        return _output.Length;
    }

    [Benchmark(OperationsPerInvoke = LineBenchmarkData.Lines)]
    public async Task<long> ItemWriter()
    {
        _output.SetLength(0);
        await using var writer = ItemFiles.OpenWriter(_output, Format, new ItemWriterOptions { LeaveOpen = true });
        foreach (var record in _records)
        {
            await writer.WriteAsync(record);
        }
        await writer.CompleteAsync();
        return _output.Length;
    }

    private static JsonObject MapToNode(Dictionary<string, AttributeValue> map, bool upper)
    {
        var node = new JsonObject();
        foreach (var (name, value) in map)
        {
            node[name] = ValueToNode(value, upper);
        }
        return node;
    }

    private static JsonObject ValueToNode(AttributeValue value, bool upper) => AttributeValues.KindOf(value) switch
    {
        AttributeKind.S => new JsonObject { [upper ? "S" : "s"] = value.S },
        AttributeKind.N => new JsonObject { [upper ? "N" : "n"] = value.N },
        AttributeKind.B => new JsonObject { [upper ? "B" : "b"] = Convert.ToBase64String(value.B.ToArray()) },
        AttributeKind.Bool => new JsonObject { [upper ? "BOOL" : "bOOL"] = value.BOOL },
        AttributeKind.Null => new JsonObject { [upper ? "NULL" : "nULL"] = true },
        AttributeKind.SS => new JsonObject { [upper ? "SS" : "sS"] = new JsonArray([.. value.SS.Select(s => (JsonNode?)s)]) },
        AttributeKind.NS => new JsonObject { [upper ? "NS" : "nS"] = new JsonArray([.. value.NS.Select(s => (JsonNode?)s)]) },
        AttributeKind.BS => new JsonObject { [upper ? "BS" : "bS"] = new JsonArray([.. value.BS.Select(b => (JsonNode?)Convert.ToBase64String(b.ToArray()))]) },
        AttributeKind.L => new JsonObject { [upper ? "L" : "l"] = new JsonArray([.. value.L.Select(v => (JsonNode?)ValueToNode(v, upper))]) },
        AttributeKind.M => new JsonObject { [upper ? "M" : "m"] = MapToNode(value.M, upper) },
        _ => throw new InvalidOperationException("empty value"),
    };
}
