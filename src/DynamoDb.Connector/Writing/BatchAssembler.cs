using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// The batch being assembled: validates items into entries, keeps the open batch under DynamoDB's limits (25
/// requests, 16 MB) and the table's bucket, and finds a key already waiting in it. Used by the writer's one caller
/// only: not thread-safe.
/// </summary>
internal sealed class BatchAssembler(KeySchema keys, int batchSize, TableWriteBudget budget)
{
    private const int MaxRequestBytes = 16 * 1024 * 1024;

    // {"PutRequest":{"Item":...}}, and the comma before it.
    private const int PutRequestFraming = 32;

    private List<WriteEntry> _open = new(batchSize);
    private long _openUnits;
    private long _openBytes;

    public int Count => _open.Count;

    public bool IsFull => _open.Count >= batchSize;

    /// <summary>
    /// The entry for a write of <paramref name="item"/>, or null with the reason it cannot be written (the rule it
    /// breaks), for the dead-letter sink.
    /// </summary>
    public WriteEntry? Prepare(Dictionary<string, AttributeValue> item, RecordOperation operation, string? source, long line, out string? problem)
    {
        if (operation == RecordOperation.Put)
        {
            int size = ItemSize.Of(item);
            problem = ItemRules.Validate(item, keys, size);
            if (problem is not null) return null;
            return new WriteEntry(item, item, operation, ItemKey.Of(item, keys), CapacityUnits.ForWrite(size), WireBytesOf(size), source, line);
        }
        problem = ItemRules.ValidateKeys(item, keys, requireOnlyKeys: false);
        if (problem is not null) return null;
        var key = item.Count == (keys.SortKey is null ? 1 : 2) ? item : KeyOf(item, keys);
        // A delete costs what the deleted item weighs, unknown here: 1 is the least, and reconciliation charges the rest.
        return new WriteEntry(item, key, operation, ItemKey.Of(item, keys), 1, WireBytesOf(ItemSize.Of(key)), source, line);
    }

    /// <summary>
    /// The entry for a put of <paramref name="item"/>'s bytes, checked without building the item (<see cref="ItemRules.Check"/>:
    /// the same rules and reasons as a dictionary's), or null with the reason it cannot be written.
    /// </summary>
    public WriteEntry? Prepare(EncodedItem item, string? source, long line, out string? problem)
    {
        var check = ItemRules.Check(item, keys);
        problem = check.Problem;
        if (problem is not null) return null;
        // The bytes go into the body as they are: their length plus the PutRequest around them is the wire size.
        return new WriteEntry(item, ItemKey.Of(check), CapacityUnits.ForWrite(check.Size), item.Json.Length + PutRequestFraming, source, line);
    }

    /// <summary>The key attributes of <paramref name="item"/>.</summary>
    public static Dictionary<string, AttributeValue> KeyOf(Dictionary<string, AttributeValue> item, KeySchema keys)
    {
        var key = new Dictionary<string, AttributeValue>(2) { [keys.PartitionKey.Name] = item[keys.PartitionKey.Name] };
        if (keys.SortKey is { } sort) key[sort.Name] = item[sort.Name];
        return key;
    }

    /// <summary>Where the open batch holds <paramref name="key"/>; -1 if it does not.</summary>
    public int IndexOf(ItemKey key)
    {
        var open = _open;
        for (int i = 0; i < open.Count; i++)
        {
            if (open[i].Key.Equals(key)) return i;
        }
        return -1;
    }

    /// <summary>Puts <paramref name="entry"/> in place of the write at <paramref name="index"/> (the last write of a key wins).</summary>
    public void Replace(int index, WriteEntry entry)
    {
        var replaced = _open[index];
        _open[index] = entry;
        _openUnits += entry.WriteUnits - replaced.WriteUnits;
        _openBytes += entry.WireBytes - replaced.WireBytes;
    }

    /// <summary>Whether <paramref name="entry"/> fits the open batch; an empty batch takes anything.</summary>
    public bool Fits(WriteEntry entry)
    {
        if (_open.Count == 0) return true;
        if (_open.Count >= batchSize || _openBytes + entry.WireBytes > MaxRequestBytes) return false;
        // A batch's permits must fit the bucket: close it early rather than ask for more than the bucket holds.
        return budget.EstimatePermits(_openUnits + entry.WriteUnits) <= budget.PermitCeiling;
    }

    public void Add(WriteEntry entry)
    {
        _open.Add(entry);
        _openUnits += entry.WriteUnits;
        _openBytes += entry.WireBytes;
    }

    /// <summary>Takes the open batch, to send; a new one opens.</summary>
    public List<WriteEntry> Take()
    {
        var batch = _open;
        _open = new List<WriteEntry>(batchSize);
        _openUnits = _openBytes = 0;
        return batch;
    }

    /// <summary>Drops the open batch (the writer failed or was disposed); returns how many entries it held.</summary>
    public int Discard() => Take().Count;

    // Base64 binary and JSON framing make the wire larger than DynamoDB's size; a third more is generous.
    private static int WireBytesOf(int size) => size + size / 3 + 256;
}
