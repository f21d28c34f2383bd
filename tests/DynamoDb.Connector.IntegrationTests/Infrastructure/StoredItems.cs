using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.IntegrationTests.Infrastructure;

/// <summary>
/// Items as DynamoDB gives them back: it stores numbers normalized ("732776.10" comes back "732776.1"), so files are
/// compared with a table after the same normalization of their numbers (plain decimal notation, as the tests write).
/// </summary>
public static class StoredItems
{
    public static Dictionary<string, AttributeValue> Normalize(Dictionary<string, AttributeValue> item) =>
        item.ToDictionary(p => p.Key, p => Normalize(p.Value), StringComparer.Ordinal);

    public static AttributeValue Normalize(AttributeValue value) => AttributeValues.KindOf(value) switch
    {
        AttributeKind.N => new AttributeValue { N = Number(value.N) },
        AttributeKind.NS => new AttributeValue { NS = [.. value.NS.Select(Number)] },
        AttributeKind.L => new AttributeValue { L = [.. value.L.Select(Normalize)] },
        AttributeKind.M => new AttributeValue { M = Normalize(value.M) },
        _ => value,
    };

    private static string Number(string text)
    {
        bool negative = text.StartsWith('-');
        string digits = text.TrimStart('-', '+');
        if (digits.Contains('.')) digits = digits.TrimEnd('0').TrimEnd('.');
        digits = digits.TrimStart('0');
        if (digits.Length == 0 || digits.StartsWith('.')) digits = "0" + digits;
        return negative && digits != "0" ? "-" + digits : digits;
    }
}
