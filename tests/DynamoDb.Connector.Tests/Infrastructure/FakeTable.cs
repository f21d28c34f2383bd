using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Tests.Infrastructure;

/// <summary>A table of <see cref="FakeDynamoDb"/>: its items, its described capacity, and how fast it takes writes.</summary>
internal sealed class FakeTable(string name, KeySchema keys, TimeProvider time)
{
    private double _tokens;
    private long _refilledAt = time.GetTimestamp();

    public string Name { get; } = name;

    public KeySchema Keys { get; } = keys;

    public Dictionary<string, Dictionary<string, AttributeValue>> Items { get; } = [];

    /// <summary>Every put (the item) and delete (null) applied, in order.</summary>
    public List<(string Key, Dictionary<string, AttributeValue>? Item)> History { get; } = [];

    public bool OnDemand { get; set; }

    /// <summary>Provisioned write capacity units DescribeTable reports.</summary>
    public long WriteCapacityUnits { get; set; } = 1000;

    public long? OnDemandMaxWriteUnits { get; set; }

    public long? WarmWriteUnitsPerSecond { get; set; }

    public List<FakeIndex> Indexes { get; } = [];

    /// <summary>What the table really takes, in WCU per second (a token bucket holding one second); null for no limit.</summary>
    public double? AdmitWriteUnitsPerSecond { get; set; }

    /// <summary>Provisioned read capacity units DescribeTable reports.</summary>
    public long ReadCapacityUnits { get; set; } = 1000;

    /// <summary>The item count and size DescribeTable reports (DynamoDB updates them about every six hours); null for the real ones.</summary>
    public (long Items, long Bytes)? ReportedStatistics { get; set; }

    /// <summary>What the table really takes, in RCU per second (a token bucket holding one second); null for no limit.</summary>
    public double? AdmitReadUnitsPerSecond { get; set; }

    private double _readTokens;
    private long _readRefilledAt = time.GetTimestamp();

    /// <summary>Whether the table has read capacity now for <paramref name="units"/>; takes it if so.</summary>
    public bool AdmitRead(double units)
    {
        if (AdmitReadUnitsPerSecond is not { } rate) return true;
        long now = time.GetTimestamp();
        _readTokens = Math.Min(rate, _readTokens + time.GetElapsedTime(_readRefilledAt, now).TotalSeconds * rate);
        _readRefilledAt = now;
        if (_readTokens < units) return false;
        _readTokens -= units;
        return true;
    }

    /// <summary>The key attributes of <paramref name="item"/>.</summary>
    public Dictionary<string, AttributeValue> KeyAttributesOf(IReadOnlyDictionary<string, AttributeValue> item) =>
        Keys.Attributes.ToDictionary(k => k.Name, k => item[k.Name]);

    /// <summary>
    /// A page of a scan segment (by a stable hash of the key) or of one partition, in key order, after
    /// <paramref name="after"/>: up to <paramref name="limit"/> items or 1 MB; the last key when the page was cut.
    /// </summary>
    public (List<Dictionary<string, AttributeValue>> Items, long Bytes, Dictionary<string, AttributeValue>? LastKey) ReadPage(int? segment, int totalSegments, string? partition, string? after, int limit)
    {
        var page = new List<Dictionary<string, AttributeValue>>();
        long bytes = 0;
        foreach (var key in Items.Keys.Order(StringComparer.Ordinal))
        {
            if (after is not null && string.CompareOrdinal(key, after) <= 0) continue;
            var item = Items[key];
            if (segment is { } s && SegmentOf(key, totalSegments) != s) continue;
            if (partition is not null && item[Keys.PartitionKey.Name].S != partition) continue;
            if (page.Count == limit || bytes >= 1024 * 1024) return (page, bytes, page[^1]);
            page.Add(item);
            bytes += ItemSize.Of(item);
        }
        return (page, bytes, page.Count == limit && page.Count > 0 ? page[^1] : null);
    }

    private static int SegmentOf(string key, int totalSegments)
    {
        uint hash = 2166136261;
        foreach (char ch in key) hash = (hash ^ ch) * 16777619;
        return (int)(hash % (uint)totalSegments);
    }

    /// <summary>Whether answers carry ConsumedCapacity.</summary>
    public bool ReportConsumedCapacity { get; set; } = true;

    public string KeyOf(IReadOnlyDictionary<string, AttributeValue> item)
    {
        string Part(KeyAttribute key) => key.Type switch
        {
            KeyType.S => item[key.Name].S,
            KeyType.N => decimal.Parse(item[key.Name].N, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => Convert.ToBase64String(item[key.Name].B.ToArray()),
        };
        return Keys.SortKey is null ? Part(Keys.PartitionKey) : $"{Part(Keys.PartitionKey)}|{Part(Keys.SortKey)}";
    }

    public string? KeyProblem(IReadOnlyDictionary<string, AttributeValue> item) => ItemRules.ValidateKeys(item, Keys, requireOnlyKeys: false) is null
        ? null
        : "One or more parameter values were invalid: Missing the key " + Keys.PartitionKey.Name + " in the item";

    /// <summary>The write units the table's bucket holds now (what it would admit at once); null for no limit.</summary>
    public double? WriteTokensNow()
    {
        if (AdmitWriteUnitsPerSecond is not { } rate) return null;
        return Math.Min(rate, _tokens + time.GetElapsedTime(_refilledAt).TotalSeconds * rate);
    }

    /// <summary>Whether the table has capacity now for this write; takes it if so.</summary>
    public bool Admit(IReadOnlyDictionary<string, AttributeValue>? newItem, IReadOnlyDictionary<string, AttributeValue> key)
    {
        if (AdmitWriteUnitsPerSecond is not { } rate) return true;
        long now = time.GetTimestamp();
        _tokens = Math.Min(rate, _tokens + time.GetElapsedTime(_refilledAt, now).TotalSeconds * rate);
        _refilledAt = now;
        double cost = CostOf(newItem, Items.GetValueOrDefault(KeyOf(key)));
        if (_tokens < cost) return false;
        _tokens -= cost;
        return true;
    }

    public (double Table, Dictionary<string, double> Indexes) Put(Dictionary<string, AttributeValue> item)
    {
        var key = KeyOf(item);
        var old = Items.GetValueOrDefault(key);
        Items[key] = item;
        History.Add((key, item));
        return (CostOf(item, old), IndexCosts(item, old));
    }

    public (double Table, Dictionary<string, double> Indexes) Delete(Dictionary<string, AttributeValue> key)
    {
        var id = KeyOf(key);
        var old = Items.GetValueOrDefault(id);
        Items.Remove(id);
        History.Add((id, null));
        return (CostOf(null, old), IndexCosts(null, old));
    }

    /// <summary>Supports <c>attribute_not_exists(x)</c> and <c>attribute_exists(x)</c>, names or placeholders.</summary>
    public bool ConditionHolds(Dictionary<string, AttributeValue> item, string condition, JsonElement request)
    {
        var existing = Items.GetValueOrDefault(KeyOf(item));
        condition = condition.Trim();
        bool not = condition.StartsWith("attribute_not_exists(", StringComparison.Ordinal);
        if (!not && !condition.StartsWith("attribute_exists(", StringComparison.Ordinal) || !condition.EndsWith(')'))
        {
            throw new NotSupportedException("The fake evaluates only attribute_exists / attribute_not_exists: " + condition);
        }
        string name = condition[(condition.IndexOf('(') + 1)..^1].Trim();
        if (name.StartsWith('#')) name = request.GetProperty("ExpressionAttributeNames").GetProperty(name).GetString()!;
        bool exists = existing is not null && existing.ContainsKey(name);
        return not ? !exists : exists;
    }

    /// <summary>The table's cost of a write: the larger of the old and new item, rounded up per KB (at least 1).</summary>
    private static double CostOf(IReadOnlyDictionary<string, AttributeValue>? item, IReadOnlyDictionary<string, AttributeValue>? old) =>
        CapacityUnits.ForWrite(Math.Max(item is null ? 0 : ItemSize.Of(item), old is null ? 0 : ItemSize.Of(old)));

    private Dictionary<string, double> IndexCosts(IReadOnlyDictionary<string, AttributeValue>? item, IReadOnlyDictionary<string, AttributeValue>? old)
    {
        var costs = new Dictionary<string, double>();
        foreach (var index in Indexes)
        {
            double units = 0;
            if (item is not null && item.ContainsKey(index.PartitionKey)) units += index.CostOf(item);
            if (old is not null && old.ContainsKey(index.PartitionKey)) units += index.CostOf(old);
            if (units > 0) costs[index.Name] = units;
        }
        return costs;
    }

    /// <summary>The DescribeTable answer's Table object.</summary>
    public void WriteDescription(Utf8JsonWriter w)
    {
        w.WriteStartObject("Table");
        w.WriteString("TableName", Name);
        w.WriteString("TableStatus", "ACTIVE");
        w.WriteString("TableArn", $"arn:aws:dynamodb:us-east-1:123456789012:table/{Name}");
        w.WriteStartArray("KeySchema");
        WriteKey(w, Keys.PartitionKey.Name, "HASH");
        if (Keys.SortKey is { } sort) WriteKey(w, sort.Name, "RANGE");
        w.WriteEndArray();
        w.WriteStartArray("AttributeDefinitions");
        foreach (var key in Keys.Attributes) WriteDefinition(w, key.Name, key.Type.ToString());
        foreach (var index in Indexes) WriteDefinition(w, index.PartitionKey, "S");
        w.WriteEndArray();
        w.WriteStartObject("BillingModeSummary");
        w.WriteString("BillingMode", OnDemand ? "PAY_PER_REQUEST" : "PROVISIONED");
        w.WriteEndObject();
        var (itemCount, sizeBytes) = ReportedStatistics ?? (Items.Count, Items.Values.Sum(i => (long)ItemSize.Of(i)));
        w.WriteNumber("ItemCount", itemCount);
        w.WriteNumber("TableSizeBytes", sizeBytes);
        WriteThroughput(w, OnDemand ? 0 : WriteCapacityUnits, OnDemandMaxWriteUnits, WarmWriteUnitsPerSecond, OnDemand ? 0 : ReadCapacityUnits);
        if (Indexes.Count > 0)
        {
            w.WriteStartArray("GlobalSecondaryIndexes");
            foreach (var index in Indexes)
            {
                w.WriteStartObject();
                w.WriteString("IndexName", index.Name);
                w.WriteString("IndexStatus", "ACTIVE");
                w.WriteStartArray("KeySchema");
                WriteKey(w, index.PartitionKey, "HASH");
                w.WriteEndArray();
                w.WriteStartObject("Projection");
                w.WriteString("ProjectionType", index.KeysOnly ? "KEYS_ONLY" : "ALL");
                w.WriteEndObject();
                WriteThroughput(w, OnDemand ? 0 : index.WriteCapacityUnits, index.OnDemandMaxWriteUnits, null, OnDemand ? 0 : index.WriteCapacityUnits);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteThroughput(Utf8JsonWriter w, long provisioned, long? onDemandMax, long? warm, long provisionedRead)
    {
        w.WriteStartObject("ProvisionedThroughput");
        w.WriteNumber("ReadCapacityUnits", provisionedRead);
        w.WriteNumber("WriteCapacityUnits", provisioned);
        w.WriteNumber("NumberOfDecreasesToday", 0);
        w.WriteEndObject();
        if (onDemandMax is { } max)
        {
            w.WriteStartObject("OnDemandThroughput");
            w.WriteNumber("MaxWriteRequestUnits", max);
            w.WriteNumber("MaxReadRequestUnits", -1);
            w.WriteEndObject();
        }
        if (warm is { } units)
        {
            w.WriteStartObject("WarmThroughput");
            w.WriteNumber("WriteUnitsPerSecond", units);
            w.WriteNumber("ReadUnitsPerSecond", units * 3);
            w.WriteString("Status", "ACTIVE");
            w.WriteEndObject();
        }
    }

    private static void WriteKey(Utf8JsonWriter w, string name, string type)
    {
        w.WriteStartObject();
        w.WriteString("AttributeName", name);
        w.WriteString("KeyType", type);
        w.WriteEndObject();
    }

    private static void WriteDefinition(Utf8JsonWriter w, string name, string type)
    {
        w.WriteStartObject();
        w.WriteString("AttributeName", name);
        w.WriteString("AttributeType", type);
        w.WriteEndObject();
    }
}

/// <summary>A global secondary index of a <see cref="FakeTable"/>.</summary>
internal sealed class FakeIndex(string name, string partitionKey)
{
    public string Name { get; } = name;

    public string PartitionKey { get; } = partitionKey;

    public long WriteCapacityUnits { get; set; } = 1000;

    public long? OnDemandMaxWriteUnits { get; set; }

    /// <summary>KEYS_ONLY: an index entry costs 1 unit whatever the item's size; ALL: the item's size.</summary>
    public bool KeysOnly { get; set; }

    public double CostOf(IReadOnlyDictionary<string, AttributeValue> item) => KeysOnly ? 1 : CapacityUnits.ForWrite(ItemSize.Of(item));
}

/// <summary>Reads DynamoDB JSON attribute values (<c>{"S":"a"}</c>) into the SDK's model, for the fake's side of the wire.</summary>
internal static class AttributeJson
{
    public static Dictionary<string, AttributeValue> ReadItem(JsonElement item)
    {
        var result = new Dictionary<string, AttributeValue>();
        foreach (var property in item.EnumerateObject()) result[property.Name] = ReadValue(property.Value);
        return result;
    }

    private static AttributeValue ReadValue(JsonElement value)
    {
        var property = value.EnumerateObject().Single();
        var v = property.Value;
        return property.Name switch
        {
            "S" => new AttributeValue { S = v.GetString() },
            "N" => new AttributeValue { N = v.GetString() },
            "B" => new AttributeValue { B = new MemoryStream(v.GetBytesFromBase64()) },
            "BOOL" => new AttributeValue { BOOL = v.GetBoolean() },
            "NULL" => new AttributeValue { NULL = v.GetBoolean() },
            "SS" => new AttributeValue { SS = [.. v.EnumerateArray().Select(e => e.GetString()!)] },
            "NS" => new AttributeValue { NS = [.. v.EnumerateArray().Select(e => e.GetString()!)] },
            "BS" => new AttributeValue { BS = [.. v.EnumerateArray().Select(e => new MemoryStream(e.GetBytesFromBase64()))] },
            "L" => new AttributeValue { L = [.. v.EnumerateArray().Select(ReadValue)] },
            "M" => new AttributeValue { M = ReadItem(v) },
            var other => throw new NotSupportedException("attribute type " + other),
        };
    }
}
