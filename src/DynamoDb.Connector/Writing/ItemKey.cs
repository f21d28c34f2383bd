using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// An item's primary key as DynamoDB compares it: strings by ordinal, numbers by value ("1.0" and "1" are one key),
/// binary by bytes. Two writes with equal keys in one BatchWriteItem make DynamoDB reject the whole batch.
/// </summary>
internal readonly struct ItemKey : IEquatable<ItemKey>
{
    private readonly object _partition;
    private readonly object? _sort;
    private readonly int _hash;

    private ItemKey(object partition, object? sort)
    {
        _partition = partition;
        _sort = sort;
        _hash = HashCode.Combine(HashOf(partition), sort is null ? 0 : HashOf(sort));
    }

    /// <summary>The key of an item whose key attributes are valid (see <see cref="ItemRules.ValidateKeys"/>).</summary>
    public static ItemKey Of(IReadOnlyDictionary<string, AttributeValue> item, KeySchema keys) =>
        new(PartOf(item[keys.PartitionKey.Name], keys.PartitionKey.Type), keys.SortKey is null ? null : PartOf(item[keys.SortKey.Name], keys.SortKey.Type));

    /// <summary>The key of an encoded item whose check found no problem (its key values as the check read them).</summary>
    public static ItemKey Of(EncodedItemCheck check) =>
        new(check.PartitionKey ?? throw new ArgumentException("The item has no valid key.", nameof(check)), check.SortKey);

    public bool Equals(ItemKey other) => _hash == other._hash && PartEquals(_partition, other._partition) && PartEquals(_sort, other._sort);

    public override bool Equals(object? obj) => obj is ItemKey other && Equals(other);

    public override int GetHashCode() => _hash;

    private static object PartOf(AttributeValue value, KeyType type) => type switch
    {
        KeyType.S => value.S,
        KeyType.N => NumberText.Canonical(value.N),
        _ => AttributeValues.BytesOf(value.B).ToArray(),
    };

    private static int HashOf(object part)
    {
        if (part is string text) return string.GetHashCode(text, StringComparison.Ordinal);
        var hash = new HashCode();
        hash.AddBytes((byte[])part);
        return hash.ToHashCode();
    }

    private static bool PartEquals(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
        (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
        _ => false,
    };
}
