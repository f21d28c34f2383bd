using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Import;

/// <summary>
/// The newest <see cref="ItemRecord.WriteTimestampMicros"/> applied to each key in one run of an incremental export, so a
/// change older than one already applied to its key is skipped (<see cref="ImportOrdering.ByWriteTimestamp"/>): the
/// export's files are not in time order, and two of them may hold changes of one key.
/// </summary>
/// <remarks>
/// Keys are held as a 128-bit hash of their canonical bytes (SHA-256, truncated): about 40 bytes a key, and a collision,
/// which would skip a change of another key, is out of reach (p &lt; 1e-20 for 10^9 keys). The map is not checkpointed: a
/// resumed run rebuilds it by reading again, without writing, what its checkpoint shows as done (see
/// <see cref="SplitRunner"/>), which gives the same map the interrupted run had at that point.
/// </remarks>
internal sealed class WriteTimestamps(KeySchema keys)
{
    private readonly Dictionary<UInt128, long> _newest = [];
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Lock _lock = new();

    /// <summary>Keys seen so far.</summary>
    public int Count
    {
        get { lock (_lock) return _newest.Count; }
    }

    /// <summary>
    /// Whether <paramref name="record"/> is to be applied: true when it is not older than the newest change of its key
    /// seen so far (and it becomes the newest), false when it is older. A record without a timestamp, or without a valid
    /// key (the writer sets it aside), is applied in input order.
    /// </summary>
    public bool TryApply(ItemRecord record)
    {
        if (record.WriteTimestampMicros is not { } micros || ItemRules.ValidateKeys(record.Item, keys, requireOnlyKeys: false) is not null) return true;
        lock (_lock)
        {
            ref long newest = ref CollectionsMarshal.GetValueRefOrAddDefault(_newest, HashOf(record.Item), out bool seen);
            if (seen && micros < newest) return false;
            newest = micros;
            return true;
        }
    }

    private UInt128 HashOf(Dictionary<string, AttributeValue> item)
    {
        Append(item[keys.PartitionKey.Name], keys.PartitionKey.Type);
        if (keys.SortKey is { } sort) Append(item[sort.Name], sort.Type);
        Span<byte> digest = stackalloc byte[32];
        _sha.GetHashAndReset(digest);
        return BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }

    /// <summary>Appends one key part as its type, its length and its bytes (numbers canonical: "1.0" and "1" are one key).</summary>
    private void Append(AttributeValue value, KeyType type)
    {
        byte[] bytes = type switch
        {
            KeyType.S => Encoding.UTF8.GetBytes(value.S),
            KeyType.N => Encoding.UTF8.GetBytes(NumberText.Canonical(value.N)),
            _ => AttributeValues.BytesOf(value.B).ToArray(),
        };
        Span<byte> header = stackalloc byte[5];
        header[0] = (byte)type;
        BinaryPrimitives.WriteInt32LittleEndian(header[1..], bytes.Length);
        _sha.AppendData(header);
        _sha.AppendData(bytes);
    }
}
