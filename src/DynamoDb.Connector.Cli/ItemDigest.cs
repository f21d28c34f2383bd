using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Cli;

/// <summary>
/// An item's primary key and a 128-bit digest of the whole item in a canonical form, so two sides can be compared
/// item for item while keeping only 16 bytes per item. Equal as DynamoDB sees items: attribute and set-element order do
/// not matter, numbers compare by value ("1.50" is "1.5", as DynamoDB stores it), binary by its bytes; an empty list, an
/// empty map and a missing attribute all differ.
/// </summary>
internal static class ItemDigest
{
    /// <summary>The item's key in canonical text (numbers by value, binary as base64), for a dictionary and for messages.</summary>
    public static ItemKeyText KeyOf(IReadOnlyDictionary<string, AttributeValue> item, KeySchema keys) =>
        new(PartOf(item[keys.PartitionKey.Name], keys.PartitionKey.Type), keys.SortKey is null ? null : PartOf(item[keys.SortKey.Name], keys.SortKey.Type));

    /// <summary>The first 128 bits of the SHA-256 of the item's canonical encoding.</summary>
    public static UInt128 Of(IReadOnlyDictionary<string, AttributeValue> item)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendMap(hash, item);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return new UInt128(BinaryPrimitives.ReadUInt64BigEndian(digest), BinaryPrimitives.ReadUInt64BigEndian(digest[8..]));
    }

    private static string PartOf(AttributeValue value, KeyType type) => type switch
    {
        KeyType.S => value.S,
        KeyType.N => NumberText.Canonical(value.N),
        _ => Convert.ToBase64String(AttributeValues.BytesOf(value.B)),
    };

    // Every field is length-prefixed and every value tagged with its kind, so no two different items share an encoding.
    private static void AppendMap(IncrementalHash hash, IReadOnlyDictionary<string, AttributeValue> map)
    {
        AppendCount(hash, map.Count);
        foreach (var name in map.Keys.Order(StringComparer.Ordinal))
        {
            AppendText(hash, name);
            AppendValue(hash, map[name]);
        }
    }

    private static void AppendValue(IncrementalHash hash, AttributeValue value)
    {
        var kind = AttributeValues.KindOf(value);
        AppendCount(hash, (int)kind);
        switch (kind)
        {
            case AttributeKind.S: AppendText(hash, value.S); break;
            case AttributeKind.N: AppendText(hash, NumberText.Canonical(value.N)); break;
            case AttributeKind.B: AppendBytes(hash, AttributeValues.BytesOf(value.B)); break;
            case AttributeKind.Bool: AppendCount(hash, value.BOOL == true ? 1 : 0); break;
            case AttributeKind.SS: AppendSet(hash, value.SS); break;
            case AttributeKind.NS: AppendSet(hash, value.NS.ConvertAll(NumberText.Canonical)); break;
            case AttributeKind.BS: AppendSet(hash, value.BS.ConvertAll(b => Convert.ToBase64String(AttributeValues.BytesOf(b)))); break;
            case AttributeKind.L:
                AppendCount(hash, value.L.Count);
                foreach (var element in value.L) AppendValue(hash, element);
                break;
            case AttributeKind.M: AppendMap(hash, value.M); break;
            default: break; // NULL: the kind says it all.
        }
    }

    private static void AppendSet(IncrementalHash hash, List<string> elements)
    {
        AppendCount(hash, elements.Count);
        foreach (var element in elements.Order(StringComparer.Ordinal)) AppendText(hash, element);
    }

    private static void AppendText(IncrementalHash hash, string text) => AppendBytes(hash, Encoding.UTF8.GetBytes(text));

    private static void AppendBytes(IncrementalHash hash, ReadOnlySpan<byte> bytes)
    {
        AppendCount(hash, bytes.Length);
        hash.AppendData(bytes);
    }

    private static void AppendCount(IncrementalHash hash, int count)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, count);
        hash.AppendData(buffer);
    }
}

/// <summary>A primary key as canonical text: the partition key's value and the sort key's, when the table has one.</summary>
internal readonly record struct ItemKeyText(string Partition, string? Sort)
{
    /// <summary>The key as a user reads it, <c>pk=user#1, sk=5</c>: numbers in plain decimal notation.</summary>
    public string Show(KeySchema keys)
    {
        string partition = $"{keys.PartitionKey.Name}={Plain(Partition, keys.PartitionKey.Type)}";
        return Sort is null || keys.SortKey is null ? partition : $"{partition}, {keys.SortKey.Name}={Plain(Sort, keys.SortKey.Type)}";
    }

    /// <summary>A canonical number (<c>d.dddE{power}</c>, from <see cref="NumberText.Canonical"/>) in plain decimal notation; other text unchanged.</summary>
    private static string Plain(string text, KeyType type)
    {
        int e = text.IndexOf('E', StringComparison.Ordinal);
        if (type != KeyType.N || e < 0) return text;
        bool negative = text.StartsWith('-');
        string digits = text[(negative ? 1 : 0)..e].Replace(".", "", StringComparison.Ordinal);
        int power = int.Parse(text.AsSpan(e + 1), System.Globalization.CultureInfo.InvariantCulture);
        string plain = power >= digits.Length - 1 ? digits + new string('0', power - digits.Length + 1)
            : power >= 0 ? $"{digits[..(power + 1)]}.{digits[(power + 1)..]}"
            : $"0.{new string('0', -power - 1)}{digits}";
        return negative ? "-" + plain : plain;
    }
}
