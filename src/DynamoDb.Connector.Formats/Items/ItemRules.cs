using System.Text;
using Amazon.DynamoDBv2.Model;

namespace DynamoDb.Connector.Formats.Items;

/// <summary>
/// The checks DynamoDB applies to an item, run before sending so that one bad item is set aside instead of
/// failing a whole batch: size at most 400 KB; key attributes present, of the key's type and not empty
/// (partition key at most 2,048 bytes, sort key at most 1,024); no empty or duplicate sets; valid numbers;
/// nesting at most 32 levels; no value without a type.
/// </summary>
public static class ItemRules
{
    /// <summary>The deepest nesting of lists and maps DynamoDB accepts.</summary>
    public const int MaxNestingDepth = 32;

    /// <summary>The longest partition key value, in bytes.</summary>
    public const int MaxPartitionKeyBytes = 2048;

    /// <summary>The longest sort key value, in bytes.</summary>
    public const int MaxSortKeyBytes = 1024;

    /// <summary>
    /// Checks an item to be put. Returns null when DynamoDB would accept it, otherwise the reason it would not.
    /// With <paramref name="keys"/> null only the key-independent rules run.
    /// </summary>
    public static string? Validate(IReadOnlyDictionary<string, AttributeValue> item, KeySchema? keys, int? knownSize = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Count == 0)
        {
            return "item has no attributes";
        }
        if (keys is not null && ValidateKeys(item, keys, requireOnlyKeys: false) is { } keyProblem)
        {
            return keyProblem;
        }
        foreach (var (name, value) in item)
        {
            if (name.Length == 0)
            {
                return "attribute name is empty";
            }
            if (ProblemOf(value, depth: 0) is { } problem)
            {
                return $"attribute '{name}{problem.Path}'{problem.Reason}";
            }
        }
        int size = knownSize ?? ItemSize.Of(item);
        if (size > ItemSize.MaxItemBytes)
        {
            return $"item is {size:N0} bytes; DynamoDB's limit is {ItemSize.MaxItemBytes:N0} (400 KB)";
        }
        return null;
    }

    /// <summary>
    /// Checks a key (for a delete). Returns null when valid. With <paramref name="requireOnlyKeys"/> other attributes
    /// are an error; otherwise they are ignored.
    /// </summary>
    public static string? ValidateKeys(IReadOnlyDictionary<string, AttributeValue> item, KeySchema keys, bool requireOnlyKeys)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(keys);
        if (ValidateKey(item, keys.PartitionKey, "partition", MaxPartitionKeyBytes) is { } partitionProblem)
        {
            return partitionProblem;
        }
        if (keys.SortKey is not null && ValidateKey(item, keys.SortKey, "sort", MaxSortKeyBytes) is { } sortProblem)
        {
            return sortProblem;
        }
        if (requireOnlyKeys && item.Count != (keys.SortKey is null ? 1 : 2))
        {
            return $"a key must hold only the key attributes ({keys})";
        }
        return null;
    }

    private static string? ValidateKey(IReadOnlyDictionary<string, AttributeValue> item, KeyAttribute key, string role, int maxBytes)
    {
        if (!item.TryGetValue(key.Name, out var value) || value is null)
        {
            return $"{role} key '{key.Name}' is missing";
        }
        var kind = AttributeValues.KindOf(value);
        var expected = key.Type switch { KeyType.S => AttributeKind.S, KeyType.N => AttributeKind.N, _ => AttributeKind.B };
        if (kind != expected)
        {
            return $"{role} key '{key.Name}' is {kind}, the table's key type is {key.Type}";
        }
        long bytes = kind switch
        {
            AttributeKind.S => Encoding.UTF8.GetByteCount(value.S),
            AttributeKind.B => value.B.Length,
            _ => 1,
        };
        if (bytes == 0)
        {
            return $"{role} key '{key.Name}' is empty";
        }
        if (bytes > maxBytes)
        {
            return $"{role} key '{key.Name}' is {bytes:N0} bytes; the limit is {maxBytes:N0}";
        }
        return null;
    }

    /// <summary>
    /// Why DynamoDB would refuse <paramref name="value"/>, as the path below it and the reason after its name, or
    /// null. The path is built only for a problem: a valid item costs no strings.
    /// </summary>
    private static Problem? ProblemOf(AttributeValue? value, int depth)
    {
        if (value is null)
        {
            return new Problem("", " is null");
        }
        if (TypesSet(value) > 1)
        {
            // The SDK would send every one and DynamoDB refuse them; the connector's own request body holds one.
            return new Problem("", " has more than one type set");
        }
        switch (AttributeValues.KindOf(value))
        {
            case AttributeKind.Empty:
                return new Problem("", " has no type");
            case AttributeKind.N:
                return NumberText.IsValid(value.N, out var reason) ? null : new Problem("", $": {reason}");
            case AttributeKind.SS:
                return SetProblemOf(value.SS, "string", numbers: false);
            case AttributeKind.NS:
                return SetProblemOf(value.NS, "number", numbers: true);
            case AttributeKind.BS:
                return SetProblemOf(value.BS.ConvertAll(b => Convert.ToBase64String(AttributeValues.BytesOf(b))), "binary", numbers: false);
            case AttributeKind.L:
            case AttributeKind.M:
                if (depth + 1 > MaxNestingDepth)
                {
                    return new Problem("", $" nests deeper than {MaxNestingDepth} levels");
                }
                if (value.IsLSet)
                {
                    for (int i = 0; i < value.L.Count; i++)
                    {
                        if (ProblemOf(value.L[i], depth + 1) is { } problem) return problem with { Path = $"[{i}]{problem.Path}" };
                    }
                }
                else
                {
                    foreach (var (name, element) in value.M)
                    {
                        if (ProblemOf(element, depth + 1) is { } problem) return problem with { Path = $".{name}{problem.Path}" };
                    }
                }
                return null;
            default:
                return null;
        }
    }

    /// <summary>How many of the value's types are set (the SDK marshals each one that is).</summary>
    private static int TypesSet(AttributeValue value) =>
        (value.S is null ? 0 : 1) + (value.N is null ? 0 : 1) + (value.B is null ? 0 : 1) + (value.BOOL.HasValue ? 1 : 0) +
        (value.NULL.HasValue ? 1 : 0) + (value.IsMSet ? 1 : 0) + (value.IsLSet ? 1 : 0) + (value.IsSSSet ? 1 : 0) +
        (value.IsNSSet ? 1 : 0) + (value.IsBSSet ? 1 : 0);

    /// <summary>An empty set, an invalid number in a number set, or a duplicate element (numbers compare by value).</summary>
    private static Problem? SetProblemOf(List<string> set, string type, bool numbers)
    {
        if (set.Count == 0)
        {
            return new Problem("", $" is an empty {type} set; DynamoDB does not store empty sets");
        }
        if (numbers)
        {
            foreach (var value in set)
            {
                if (!NumberText.IsValid(value, out var reason)) return new Problem("", $": {reason}");
            }
        }
        return Json.JsonItemParser.FindDuplicate(set, numbers) is null ? null : new Problem("", $" is a {type} set with a duplicate value");
    }

    /// <summary>A problem with a value: the path from the attribute to it ("" for the attribute itself, ".a[2]") and the reason.</summary>
    private readonly record struct Problem(string Path, string Reason);
}
