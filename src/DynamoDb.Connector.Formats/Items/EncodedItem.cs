using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Items;

/// <summary>
/// An item as the bytes DynamoDB takes on the wire: a DynamoDB JSON map (<c>{"id":{"S":"a"},"n":{"N":"1"}}</c>, the
/// <c>Item</c> of a PutRequest), canonical (upper-case type keys, one type key per value) and structurally valid (the
/// readers' checks: valid numbers and base64, distinct set elements). The line readers of the JSON item formats hand
/// items to the writer in this form, so an item is never built as an <see cref="AttributeValue"/> graph unless something
/// asks for one (<see cref="ToItem"/>: a transform, a conditional write, a dead letter). DynamoDB's own rules (size,
/// key, nesting) are the writer's to check, as for any item.
/// </summary>
public sealed class EncodedItem
{
    private readonly ReadOnlyMemory<byte> _json;

    /// <summary>Wraps bytes a reader of this package produced (canonical and valid: not checked again).</summary>
    internal EncodedItem(ReadOnlyMemory<byte> json) => _json = json;

    /// <summary>The item's DynamoDB JSON map, UTF-8.</summary>
    public ReadOnlyMemory<byte> Json => _json;

    /// <summary>The encoding of <paramref name="item"/>.</summary>
    /// <exception cref="AttributePathException">
    /// A value has no type set, or the item is not one the readers would read back (a bad number, a set element twice,
    /// nested past 128 levels): an encoded item is always one <see cref="ToItem"/> can rebuild.
    /// </exception>
    public static EncodedItem From(Dictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        using var json = new JsonItemFormatter(dynamoDbKeys: true);
        json.WriteMap(item);
        var bytes = json.Written.ToArray();
        // Read back once: the writer rebuilds the item from these bytes for a dead letter or a conditional write.
        _ = ParseMap(bytes);
        return new EncodedItem(bytes);
    }

    /// <summary>
    /// Reads a DynamoDB JSON map (type keys in any case, as the ddb-json reader takes them) into its canonical encoding.
    /// </summary>
    /// <exception cref="AttributePathException">The bytes are not a valid DynamoDB JSON map; the message says why and where.</exception>
    public static EncodedItem Parse(ReadOnlySpan<byte> dynamoDbJsonMap) => From(ParseMap(dynamoDbJsonMap));

    /// <summary>The item as an <see cref="AttributeValue"/> graph (a new one each call).</summary>
    public Dictionary<string, AttributeValue> ToItem() => JsonItemParser.Decode(_json.Span);

    /// <summary>The item's JSON, for diagnostics.</summary>
    public override string ToString() => System.Text.Encoding.UTF8.GetString(_json.Span);

    private static Dictionary<string, AttributeValue> ParseMap(ReadOnlySpan<byte> json) =>
        new JsonItemParser(ItemFileFormat.DynamoDbJson).ParseMap(json);
}
