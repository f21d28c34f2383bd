using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using BenchmarkDotNet.Attributes;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Benchmarks.Formats;

/// <summary>
/// Parsing ~1 KB item lines into <c>Dictionary&lt;string, AttributeValue&gt;</c>: the connector's reader
/// (Utf8JsonReader on pooled line bytes) against the obvious code (ReadLine, then JsonNode or JsonDocument).
/// One operation is one line.
/// </summary>
[Config(typeof(LineBenchmarkConfig))]
public class LineParsingBenchmarks
{
    private byte[] _file = [];

    [Params(ItemFileFormat.DataPipeline, ItemFileFormat.DynamoDbJson)]
    public ItemFileFormat Format { get; set; }

    [GlobalSetup]
    public void Setup() => _file = LineBenchmarkData.File(Format);

    [Benchmark(Baseline = true, OperationsPerInvoke = LineBenchmarkData.Lines)]
    public int JsonNodePerLine()
    {
        using var reader = new StreamReader(new MemoryStream(_file), Encoding.UTF8);
        int attributes = 0;
        while (reader.ReadLine() is { } line)
        {
            var root = JsonNode.Parse(line)!.AsObject();
            var item = NodeToItem(Format == ItemFileFormat.DynamoDbJson ? root["Item"]!.AsObject() : root);
            attributes += item.Count;
        }
        return attributes;
    }

    [Benchmark(OperationsPerInvoke = LineBenchmarkData.Lines)]
    public int JsonDocumentPerLine()
    {
        using var reader = new StreamReader(new MemoryStream(_file), Encoding.UTF8);
        int attributes = 0;
        while (reader.ReadLine() is { } line)
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var item = ElementToItem(Format == ItemFileFormat.DynamoDbJson ? root.GetProperty("Item") : root);
            attributes += item.Count;
        }
        return attributes;
    }

    [Benchmark(OperationsPerInvoke = LineBenchmarkData.Lines)]
    public async Task<int> ItemReader()
    {
        await using var reader = ItemFiles.OpenReader(new MemoryStream(_file), Format);
        int attributes = 0;
        while (await reader.ReadAsync() is { } record)
        {
            attributes += record.Item.Count;
        }
        return attributes;
    }

    private static Dictionary<string, AttributeValue> NodeToItem(JsonObject map)
    {
        var item = new Dictionary<string, AttributeValue>();
        foreach (var (name, value) in map)
        {
            item[name] = NodeToValue(value!.AsObject());
        }
        return item;
    }

    private static AttributeValue NodeToValue(JsonObject typed)
    {
        var (key, value) = typed.First();
        return key.ToUpperInvariant() switch
        {
            "S" => new AttributeValue { S = value!.GetValue<string>() },
            "N" => new AttributeValue { N = value!.GetValue<string>() },
            "B" => new AttributeValue { B = new MemoryStream(Convert.FromBase64String(value!.GetValue<string>())) },
            "BOOL" => new AttributeValue { BOOL = value!.GetValue<bool>() },
            "NULL" or "NULLVALUE" => new AttributeValue { NULL = true },
            "SS" => new AttributeValue { SS = [.. value!.AsArray().Select(x => x!.GetValue<string>())] },
            "NS" => new AttributeValue { NS = [.. value!.AsArray().Select(x => x!.GetValue<string>())] },
            "BS" => new AttributeValue { BS = [.. value!.AsArray().Select(x => new MemoryStream(Convert.FromBase64String(x!.GetValue<string>())))] },
            "L" => new AttributeValue { L = [.. value!.AsArray().Select(x => NodeToValue(x!.AsObject()))] },
            "M" => new AttributeValue { M = NodeToItem(value!.AsObject()) },
            _ => throw new FormatException($"unknown type key {key}"),
        };
    }

    internal static Dictionary<string, AttributeValue> ElementToItem(JsonElement map)
    {
        var item = new Dictionary<string, AttributeValue>();
        foreach (var property in map.EnumerateObject())
        {
            item[property.Name] = ElementToValue(property.Value);
        }
        return item;
    }

    private static AttributeValue ElementToValue(JsonElement typed)
    {
        var property = typed.EnumerateObject().First();
        var value = property.Value;
        return property.Name.ToUpperInvariant() switch
        {
            "S" => new AttributeValue { S = value.GetString() },
            "N" => new AttributeValue { N = value.GetString() },
            "B" => new AttributeValue { B = new MemoryStream(value.GetBytesFromBase64()) },
            "BOOL" => new AttributeValue { BOOL = value.GetBoolean() },
            "NULL" or "NULLVALUE" => new AttributeValue { NULL = true },
            "SS" => new AttributeValue { SS = [.. value.EnumerateArray().Select(x => x.GetString()!)] },
            "NS" => new AttributeValue { NS = [.. value.EnumerateArray().Select(x => x.GetString()!)] },
            "BS" => new AttributeValue { BS = [.. value.EnumerateArray().Select(x => new MemoryStream(x.GetBytesFromBase64()))] },
            "L" => new AttributeValue { L = [.. value.EnumerateArray().Select(ElementToValue)] },
            "M" => new AttributeValue { M = ElementToItem(value) },
            _ => throw new FormatException($"unknown type key {property.Name}"),
        };
    }
}
