namespace DynamoDb.Connector.Formats.Items;

/// <summary>The type of a key attribute: DynamoDB keys are strings, numbers or binary.</summary>
public enum KeyType
{
    /// <summary>String.</summary>
    S,
    /// <summary>Number.</summary>
    N,
    /// <summary>Binary.</summary>
    B,
}

/// <summary>One key attribute: its name and type.</summary>
/// <param name="Name">The attribute name.</param>
/// <param name="Type">The attribute type.</param>
public sealed record KeyAttribute(string Name, KeyType Type);

/// <summary>A table's primary key: a partition key and an optional sort key.</summary>
/// <param name="PartitionKey">The partition (hash) key.</param>
/// <param name="SortKey">The sort (range) key, or null.</param>
public sealed record KeySchema(KeyAttribute PartitionKey, KeyAttribute? SortKey = null)
{
    /// <summary>The key attributes in order: partition key, then sort key when present.</summary>
    public IEnumerable<KeyAttribute> Attributes => SortKey is null ? [PartitionKey] : [PartitionKey, SortKey];

    /// <summary>Parses <c>pk:S</c> or <c>pk:S,sk:N</c> (the CLI's <c>--key</c> syntax).</summary>
    /// <exception cref="FormatException">The text is not one or two <c>name:S|N|B</c> pairs.</exception>
    public static KeySchema Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2)
        {
            throw new FormatException($"Key '{text}' must be 'partitionKey:TYPE' or 'partitionKey:TYPE,sortKey:TYPE' with TYPE S, N or B.");
        }
        var partition = ParseAttribute(parts[0], text);
        var sort = parts.Length == 2 ? ParseAttribute(parts[1], text) : null;
        if (sort is not null && sort.Name == partition.Name)
        {
            throw new FormatException($"Key '{text}' names '{partition.Name}' twice.");
        }
        return new KeySchema(partition, sort);
    }

    /// <inheritdoc />
    public override string ToString() => SortKey is null
        ? $"{PartitionKey.Name}:{PartitionKey.Type}"
        : $"{PartitionKey.Name}:{PartitionKey.Type},{SortKey.Name}:{SortKey.Type}";

    private static KeyAttribute ParseAttribute(string part, string whole)
    {
        int colon = part.LastIndexOf(':');
        string name = colon < 0 ? part : part[..colon];
        string type = colon < 0 ? "S" : part[(colon + 1)..].Trim();
        if (name.Length == 0 || !Enum.TryParse<KeyType>(type, ignoreCase: true, out var keyType) || !Enum.IsDefined(keyType))
        {
            throw new FormatException($"Key '{whole}': '{part}' must be 'name:TYPE' with TYPE S, N or B.");
        }
        return new KeyAttribute(name, keyType);
    }
}
