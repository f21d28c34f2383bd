using Amazon.DynamoDBv2.Model;
using BenchmarkDotNet.Attributes;
using DynamoDb.Connector.Benchmarks.Formats;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Benchmarks.Import;

/// <summary>
/// Where an import's allocation per item goes, stage by stage, on the Formats benchmark's 1,000 items of ~1 KB held in
/// memory: reading a line into the SDK's item type (the baseline), reading it into its wire bytes (what the import
/// does since the readers hand out EncodedItem records), the least that item type costs (a deep copy of
/// parsed items, the same objects and strings without any parsing) and the writer's checks per item (size, rules, key).
/// The SDK's marshalling and HTTP pipeline are the naive loop of WriterBenchmarks (about 1 KB per item). One operation
/// is one item.
/// </summary>
[Config(typeof(LineBenchmarkConfig))]
public class ImportAllocationBenchmarks
{
    private static readonly KeySchema Keys = new(new KeyAttribute("pk", KeyType.S), new KeyAttribute("sk", KeyType.S));
    private byte[] _file = [];
    private List<Dictionary<string, AttributeValue>> _items = [];

    [Params(ItemFileFormat.DataPipeline, ItemFileFormat.DynamoDbJson)]
    public ItemFileFormat Format { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _file = LineBenchmarkData.File(Format);
        _items = LineBenchmarkData.Items;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = LineBenchmarkData.Lines, Description = "read line into item")]
    public async Task<int> Read()
    {
        await using var reader = ItemFiles.OpenReader(new MemoryStream(_file), Format);
        int attributes = 0;
        while (await reader.ReadAsync() is { } record) attributes += record.Item.Count;
        return attributes;
    }

    /// <summary>What the import reads now: the line transcoded into its canonical DynamoDB JSON, no item graph.</summary>
    [Benchmark(OperationsPerInvoke = LineBenchmarkData.Lines, Description = "read line into encoded item")]
    public async Task<int> ReadEncoded()
    {
        await using var reader = ItemFiles.OpenReader(new MemoryStream(_file), Format);
        int bytes = 0;
        while (await reader.ReadAsync() is { } record) bytes += record.Encoded!.Json.Length;
        return bytes;
    }

    [Benchmark(OperationsPerInvoke = LineBenchmarkData.Lines, Description = "item type's floor: deep copy")]
    public int DeepCopy()
    {
        int attributes = 0;
        foreach (var item in _items) attributes += CopyOf(item).Count;
        return attributes;
    }

    [Benchmark(OperationsPerInvoke = LineBenchmarkData.Lines, Description = "writer checks: size, rules, key")]
    public long Checks()
    {
        long total = 0;
        foreach (var item in _items)
        {
            int size = ItemSize.Of(item);
            total += size + (ItemRules.Validate(item, Keys, size) is null ? 0 : 1) + CapacityUnits.ForWrite(size) + ItemKey.Of(item, Keys).GetHashCode();
        }
        return total;
    }

    private static Dictionary<string, AttributeValue> CopyOf(Dictionary<string, AttributeValue> item)
    {
        var copy = new Dictionary<string, AttributeValue>(item.Count);
        foreach (var (name, value) in item) copy[name] = CopyOf(value);
        return copy;
    }

    private static AttributeValue CopyOf(AttributeValue value)
    {
        if (value.S is not null) return new AttributeValue { S = new string(value.S) };
        if (value.N is not null) return new AttributeValue { N = new string(value.N) };
        if (value.B is not null) return new AttributeValue { B = new MemoryStream(value.B.ToArray()) };
        if (value.BOOL is not null) return new AttributeValue { BOOL = value.BOOL };
        if (value.NULL is not null) return new AttributeValue { NULL = value.NULL };
        if (value.SS is not null) return new AttributeValue { SS = value.SS.ConvertAll(s => new string(s)) };
        if (value.NS is not null) return new AttributeValue { NS = value.NS.ConvertAll(s => new string(s)) };
        if (value.BS is not null) return new AttributeValue { BS = value.BS.ConvertAll(b => new MemoryStream(b.ToArray())) };
        if (value.L is not null) return new AttributeValue { L = value.L.ConvertAll(CopyOf) };
        return new AttributeValue { M = CopyOf(value.M) };
    }
}
