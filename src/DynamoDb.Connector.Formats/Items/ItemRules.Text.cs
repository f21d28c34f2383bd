namespace DynamoDb.Connector.Formats.Items;

/// <summary>
/// The rules' limits and words, in one place for both checks (of a dictionary, <see cref="ItemRules.Validate"/>, and of
/// an encoded item, <see cref="ItemRules.Check"/>): the same item breaks the same rule with the same reason either way.
/// </summary>
public static partial class ItemRules
{
    private const string NoAttributes = "item has no attributes";

    private const string EmptyName = "attribute name is empty";

    /// <summary>Whether a list or map at <paramref name="depth"/> (0: an attribute's value) nests too deep.</summary>
    private static bool TooDeep(int depth) => depth + 1 > MaxNestingDepth;

    /// <summary>The reason an item of <paramref name="size"/> bytes is refused, or null.</summary>
    private static string? SizeProblem(int size) =>
        size > ItemSize.MaxItemBytes ? $"item is {size:N0} bytes; DynamoDB's limit is {ItemSize.MaxItemBytes:N0} (400 KB)" : null;

    /// <summary>
    /// The reason a key attribute is refused, or null: <paramref name="kind"/> is the type of the item's value (null when
    /// the item lacks it) and <paramref name="bytes"/> its length (string and binary; any other value counts 1).
    /// </summary>
    private static string? KeyProblem(KeyAttribute key, bool partition, AttributeKind? kind, long bytes)
    {
        string role = partition ? "partition" : "sort";
        if (kind is not { } actual)
        {
            return $"{role} key '{key.Name}' is missing";
        }
        if (actual != KindOf(key.Type))
        {
            return $"{role} key '{key.Name}' is {actual}, the table's key type is {key.Type}";
        }
        if (bytes == 0)
        {
            return $"{role} key '{key.Name}' is empty";
        }
        int maxBytes = partition ? MaxPartitionKeyBytes : MaxSortKeyBytes;
        return bytes > maxBytes ? $"{role} key '{key.Name}' is {bytes:N0} bytes; the limit is {maxBytes:N0}" : null;
    }

    /// <summary>The attribute type of a key type.</summary>
    private static AttributeKind KindOf(KeyType type) => type switch { KeyType.S => AttributeKind.S, KeyType.N => AttributeKind.N, _ => AttributeKind.B };

    /// <summary>A problem with a value: the path from the attribute to it ("" for the attribute itself, ".a[2]") and the reason.</summary>
    private readonly record struct Problem(string Path, string Reason)
    {
        public static Problem MoreThanOneType => new("", " has more than one type set");

        public static Problem NoType => new("", " has no type");

        public static Problem TooDeep => new("", $" nests deeper than {MaxNestingDepth} levels");

        public static Problem BadNumber(string reason) => new("", $": {reason}");

        public static Problem EmptySet(AttributeKind kind) => new("", $" is an empty {SetType(kind)} set; DynamoDB does not store empty sets");

        public static Problem Duplicate(AttributeKind kind) => new("", $" is a {SetType(kind)} set with a duplicate value");

        /// <summary>The item's reason: the problem in the attribute <paramref name="name"/>.</summary>
        public string Within(string name) => $"attribute '{name}{Path}'{Reason}";

        private static string SetType(AttributeKind kind) => kind switch { AttributeKind.SS => "string", AttributeKind.NS => "number", _ => "binary" };
    }
}
