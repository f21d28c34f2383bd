using System.Text;
using Amazon.DynamoDBv2.Model;

namespace DynamoDb.Connector.Formats.Items;

/// <summary>
/// The checks DynamoDB applies to an item, run before sending so that one bad item is set aside instead of
/// failing a whole batch: size at most 400 KB; key attributes present, of the key's type and not empty
/// (partition key at most 2,048 bytes, sort key at most 1,024); no empty or duplicate sets; valid numbers;
/// nesting at most 32 levels; no value without a type.
/// </summary>
public static partial class ItemRules
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
            return NoAttributes;
        }
        if (keys is not null && ValidateKeys(item, keys, requireOnlyKeys: false) is { } keyProblem)
        {
            return keyProblem;
        }
        foreach (var (name, value) in item)
        {
            if (name.Length == 0)
            {
                return EmptyName;
            }
            if (ProblemOf(value, depth: 0) is { } problem)
            {
                return problem.Within(name);
            }
        }
        return SizeProblem(knownSize ?? ItemSize.Of(item));
    }

    /// <summary>
    /// Checks a key (for a delete). Returns null when valid. With <paramref name="requireOnlyKeys"/> other attributes
    /// are an error; otherwise they are ignored.
    /// </summary>
    public static string? ValidateKeys(IReadOnlyDictionary<string, AttributeValue> item, KeySchema keys, bool requireOnlyKeys)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(keys);
        if (ValidateKey(item, keys.PartitionKey, partition: true) is { } partitionProblem)
        {
            return partitionProblem;
        }
        if (keys.SortKey is not null && ValidateKey(item, keys.SortKey, partition: false) is { } sortProblem)
        {
            return sortProblem;
        }
        if (requireOnlyKeys && item.Count != (keys.SortKey is null ? 1 : 2))
        {
            return $"a key must hold only the key attributes ({keys})";
        }
        return null;
    }

    private static string? ValidateKey(IReadOnlyDictionary<string, AttributeValue> item, KeyAttribute key, bool partition)
    {
        if (!item.TryGetValue(key.Name, out var value) || value is null)
        {
            return KeyProblem(key, partition, null, 0);
        }
        var kind = AttributeValues.KindOf(value);
        long bytes = kind switch
        {
            AttributeKind.S => Encoding.UTF8.GetByteCount(value.S),
            AttributeKind.B => value.B.Length,
            _ => 1,
        };
        return KeyProblem(key, partition, kind, bytes);
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
            return Problem.MoreThanOneType;
        }
        var kind = AttributeValues.KindOf(value);
        switch (kind)
        {
            case AttributeKind.Empty:
                return Problem.NoType;
            case AttributeKind.N:
                return NumberText.IsValid(value.N, out var reason) ? null : Problem.BadNumber(reason!);
            case AttributeKind.SS:
                return SetProblemOf(value.SS, kind);
            case AttributeKind.NS:
                return SetProblemOf(value.NS, kind);
            case AttributeKind.BS:
                return SetProblemOf(value.BS.ConvertAll(b => Convert.ToBase64String(AttributeValues.BytesOf(b))), kind);
            case AttributeKind.L:
            case AttributeKind.M:
                if (TooDeep(depth))
                {
                    return Problem.TooDeep;
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
    private static Problem? SetProblemOf(List<string> set, AttributeKind kind)
    {
        if (set.Count == 0)
        {
            return Problem.EmptySet(kind);
        }
        if (kind == AttributeKind.NS)
        {
            foreach (var value in set)
            {
                if (!NumberText.IsValid(value, out var reason)) return Problem.BadNumber(reason!);
            }
        }
        return Json.JsonItemParser.FindDuplicate(set, numbers: kind == AttributeKind.NS) is null ? null : Problem.Duplicate(kind);
    }
}
