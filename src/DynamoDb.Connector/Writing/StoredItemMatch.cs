using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Writing;

/// <summary>Whether an item read back from a table is one the writer put, as DynamoDB keeps it.</summary>
internal static class StoredItemMatch
{
    /// <summary>
    /// Equal attribute for attribute (<see cref="ItemComparer"/>), numbers by value: DynamoDB stores "1.50" as "1.5",
    /// so a put of "1.50" found by its retry is the same item.
    /// </summary>
    public static bool Same(Dictionary<string, AttributeValue> written, Dictionary<string, AttributeValue> stored) =>
        ItemComparer.Instance.Equals(NumbersByValue(written), NumbersByValue(stored));

    private static Dictionary<string, AttributeValue> NumbersByValue(Dictionary<string, AttributeValue> item) =>
        item.ToDictionary(p => p.Key, p => NumbersByValue(p.Value), StringComparer.Ordinal);

    private static AttributeValue NumbersByValue(AttributeValue value) => AttributeValues.KindOf(value) switch
    {
        AttributeKind.N => new AttributeValue { N = NumberText.Canonical(value.N) },
        AttributeKind.NS => new AttributeValue { NS = [.. value.NS.Select(NumberText.Canonical)] },
        AttributeKind.L => new AttributeValue { L = [.. value.L.Select(NumbersByValue)] },
        AttributeKind.M => new AttributeValue { M = NumbersByValue(value.M) },
        _ => value,
    };
}
