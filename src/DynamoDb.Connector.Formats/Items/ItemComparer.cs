using Amazon.DynamoDBv2.Model;

namespace DynamoDb.Connector.Formats.Items;

/// <summary>
/// Deep equality of items, for tests and verification: attribute order does not matter; sets compare as sets
/// (element order does not matter); numbers compare by their exact text ("1.5" differs from "1.50"); binary by its
/// bytes; an empty list or map differs from a missing attribute and from each other.
/// <see cref="Difference"/> says where two items differ.
/// </summary>
public sealed class ItemComparer : IEqualityComparer<Dictionary<string, AttributeValue>>, IEqualityComparer<IReadOnlyDictionary<string, AttributeValue>>
{
    private ItemComparer()
    {
    }

    /// <summary>The comparer.</summary>
    public static ItemComparer Instance { get; } = new();

    /// <summary>The same equality for single attribute values.</summary>
    public static IEqualityComparer<AttributeValue> Values { get; } = new ValueComparer();

    /// <inheritdoc />
    public bool Equals(Dictionary<string, AttributeValue>? x, Dictionary<string, AttributeValue>? y) => Difference(x, y) is null;

    /// <inheritdoc />
    public bool Equals(IReadOnlyDictionary<string, AttributeValue>? x, IReadOnlyDictionary<string, AttributeValue>? y) => Difference(x, y) is null;

    /// <inheritdoc />
    public int GetHashCode(Dictionary<string, AttributeValue> obj) => GetHashCode((IReadOnlyDictionary<string, AttributeValue>)obj);

    /// <inheritdoc />
    public int GetHashCode(IReadOnlyDictionary<string, AttributeValue> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        int hash = obj.Count;
        foreach (var (name, value) in obj)
        {
            // Order-independent: attribute order is not part of an item.
            hash += HashCode.Combine(name.GetHashCode(StringComparison.Ordinal), value is null ? -1 : (int)AttributeValues.KindOf(value));
        }
        return hash;
    }

    /// <summary>
    /// Null when the items are equal; otherwise where and how they first differ, such as
    /// <c>attribute 'meta.tags': SS differs ([a, b] vs [a, c])</c>.
    /// </summary>
    public static string? Difference(IReadOnlyDictionary<string, AttributeValue>? expected, IReadOnlyDictionary<string, AttributeValue>? actual)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"one item is null ({(expected is null ? "expected" : "actual")})";
        }
        return MapDifference(expected, actual, "");
    }

    private static string? MapDifference(IReadOnlyDictionary<string, AttributeValue> expected, IReadOnlyDictionary<string, AttributeValue> actual, string path)
    {
        foreach (var (name, value) in expected)
        {
            string at = path.Length == 0 ? name : $"{path}.{name}";
            if (!actual.TryGetValue(name, out var other))
            {
                return $"attribute '{at}' is missing from the actual item";
            }
            if (ValueDifference(value, other, at) is { } difference)
            {
                return difference;
            }
        }
        foreach (var name in actual.Keys)
        {
            if (!expected.ContainsKey(name))
            {
                return $"attribute '{(path.Length == 0 ? name : $"{path}.{name}")}' is only in the actual item";
            }
        }
        return null;
    }

    private static string? ValueDifference(AttributeValue? expected, AttributeValue? actual, string path)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"attribute '{path}': one value is null";
        }
        var kind = AttributeValues.KindOf(expected);
        var otherKind = AttributeValues.KindOf(actual);
        if (kind != otherKind)
        {
            return $"attribute '{path}': {kind} vs {otherKind}";
        }
        bool same = kind switch
        {
            AttributeKind.S => expected.S == actual.S,
            AttributeKind.N => expected.N == actual.N,
            AttributeKind.B => AttributeValues.BytesOf(expected.B).SequenceEqual(AttributeValues.BytesOf(actual.B)),
            AttributeKind.Bool => expected.BOOL == actual.BOOL,
            AttributeKind.SS => SameSet(expected.SS, actual.SS),
            AttributeKind.NS => SameSet(expected.NS, actual.NS),
            AttributeKind.BS => SameSet(expected.BS.ConvertAll(Base64Of), actual.BS.ConvertAll(Base64Of)),
            _ => true,
        };
        if (!same)
        {
            return $"attribute '{path}': {kind} differs ({Show(expected, kind)} vs {Show(actual, kind)})";
        }
        if (kind == AttributeKind.L)
        {
            if (expected.L.Count != actual.L.Count)
            {
                return $"attribute '{path}': L has {expected.L.Count} vs {actual.L.Count} elements";
            }
            for (int i = 0; i < expected.L.Count; i++)
            {
                if (ValueDifference(expected.L[i], actual.L[i], $"{path}[{i}]") is { } difference) return difference;
            }
        }
        else if (kind == AttributeKind.M)
        {
            return MapDifference(expected.M, actual.M, path);
        }
        return null;
    }

    private static bool SameSet(List<string> expected, List<string> actual)
    {
        if (expected.Count != actual.Count) return false;
        var a = expected.Order(StringComparer.Ordinal);
        var b = actual.Order(StringComparer.Ordinal);
        return a.SequenceEqual(b, StringComparer.Ordinal);
    }

    private static string Base64Of(MemoryStream stream) => Convert.ToBase64String(AttributeValues.BytesOf(stream));

    private static string Show(AttributeValue value, AttributeKind kind) => kind switch
    {
        AttributeKind.S => $"'{value.S}'",
        AttributeKind.N => value.N,
        AttributeKind.B => Base64Of(value.B),
        AttributeKind.Bool => value.BOOL == true ? "true" : "false",
        AttributeKind.SS => $"[{string.Join(", ", value.SS)}]",
        AttributeKind.NS => $"[{string.Join(", ", value.NS)}]",
        AttributeKind.BS => $"[{string.Join(", ", value.BS.ConvertAll(Base64Of))}]",
        _ => kind.ToString(),
    };

    private sealed class ValueComparer : IEqualityComparer<AttributeValue>
    {
        public bool Equals(AttributeValue? x, AttributeValue? y) => ValueDifference(x, y, "") is null;

        public int GetHashCode(AttributeValue obj)
        {
            ArgumentNullException.ThrowIfNull(obj);
            var kind = AttributeValues.KindOf(obj);
            return kind switch
            {
                AttributeKind.S => HashCode.Combine(kind, obj.S),
                AttributeKind.N => HashCode.Combine(kind, obj.N),
                _ => kind.GetHashCode(),
            };
        }
    }
}
