namespace DynamoDb.Connector.Formats.Items;

/// <summary>What <see cref="ItemRules.Check"/> found in an encoded item.</summary>
public readonly struct EncodedItemCheck
{
    internal EncodedItemCheck(int size, string? problem, object? partitionKey, object? sortKey)
    {
        Size = size;
        Problem = problem;
        PartitionKey = partitionKey;
        SortKey = sortKey;
    }

    /// <summary>The item's size in bytes, as DynamoDB bills and limits it (<see cref="ItemSize.Of"/>).</summary>
    public int Size { get; }

    /// <summary>Null when DynamoDB would accept the item, otherwise the reason it would not (as <see cref="ItemRules.Validate"/> says it).</summary>
    public string? Problem { get; }

    /// <summary>
    /// The partition key's value when the item has it with the key's type: a string for S (the text) and N (its
    /// <see cref="NumberText.Canonical"/> spelling), a byte array for B. Null otherwise, and when no key schema was given.
    /// </summary>
    public object? PartitionKey { get; }

    /// <summary>The sort key's value, as <see cref="PartitionKey"/>; null for a table without a sort key.</summary>
    public object? SortKey { get; }
}
