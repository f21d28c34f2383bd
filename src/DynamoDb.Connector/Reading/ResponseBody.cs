using System.Buffers;
using System.Collections;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Reading;

/// <summary>
/// A Scan or Query response body read as bytes (<see cref="RawResponses"/>): each item's DynamoDB JSON as a slice of
/// the body, and what the rest of the flow needs (counts, where the next page starts, the capacity consumed).
/// </summary>
internal sealed class ResponseBody
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };

    private ResponseBody(List<ReadOnlyMemory<byte>> items, int? scanned, Dictionary<string, AttributeValue>? lastKey, ConsumedCapacity? consumed)
    {
        Items = items;
        ScannedCount = scanned;
        LastEvaluatedKey = lastKey;
        ConsumedCapacity = consumed;
    }

    /// <summary>Each item's DynamoDB JSON (a map of typed attributes, on one line), in the response's order.</summary>
    public List<ReadOnlyMemory<byte>> Items { get; }

    public int? ScannedCount { get; }

    public Dictionary<string, AttributeValue>? LastEvaluatedKey { get; }

    public ConsumedCapacity? ConsumedCapacity { get; }

    /// <summary>Reads a successful Scan or Query response's body.</summary>
    /// <exception cref="InvalidDataException">The body is not such a response (not JSON, items that are not objects, a count that disagrees).</exception>
    public static ResponseBody Parse(byte[] body)
    {
        try
        {
            return ParseCore(body);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"DynamoDB's response is not valid JSON ({e.Message}); nothing of it is used.", e);
        }
    }

    private static ResponseBody ParseCore(byte[] body)
    {
        var reader = new Utf8JsonReader(body, ReaderOptions);
        Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "is not a JSON object");
        var items = new List<ReadOnlyMemory<byte>>();
        int? count = null, scanned = null;
        Dictionary<string, AttributeValue>? lastKey = null;
        ConsumedCapacity? consumed = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Items"u8))
            {
                Expect(reader.Read() && reader.TokenType == JsonTokenType.StartArray, "has Items that are not an array");
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    Expect(reader.TokenType == JsonTokenType.StartObject, "has an item that is not an object");
                    int start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    items.Add(OneLine(body.AsMemory(start, (int)reader.BytesConsumed - start)));
                }
            }
            else if (reader.ValueTextEquals("Count"u8))
            {
                reader.Read();
                count = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("ScannedCount"u8))
            {
                reader.Read();
                scanned = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("LastEvaluatedKey"u8))
            {
                reader.Read();
                int start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (reader.TokenType == JsonTokenType.EndObject) lastKey = ParseItem(body.AsSpan(start, (int)reader.BytesConsumed - start));
            }
            else if (reader.ValueTextEquals("ConsumedCapacity"u8))
            {
                reader.Read();
                consumed = ReadConsumed(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        Expect(count is null || count == items.Count, $"says Count {count} but holds {items.Count} items");
        return new ResponseBody(items, scanned, lastKey, consumed);
    }

    /// <summary>Parses one item's (or key's) DynamoDB JSON into the SDK's types.</summary>
    public static Dictionary<string, AttributeValue> ParseItem(ReadOnlySpan<byte> json, JsonItemParser? parser = null)
    {
        var line = ArrayPool<byte>.Shared.Rent(json.Length + 9);
        try
        {
            "{\"Item\":"u8.CopyTo(line);
            json.CopyTo(line.AsSpan(8));
            line[json.Length + 8] = (byte)'}';
            return (parser ?? new JsonItemParser(ItemFileFormat.DynamoDbJson)).Parse(line.AsSpan(0, json.Length + 9), 1).Item;
        }
        catch (AttributePathException e)
        {
            throw new InvalidDataException($"DynamoDB's response holds an item that is not DynamoDB JSON: {e.Message}", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(line);
        }
    }

    // DynamoDB sends compact JSON; should a server put line breaks between tokens, the item is made compact, as a line must be.
    private static ReadOnlyMemory<byte> OneLine(ReadOnlyMemory<byte> item)
    {
        if (item.Span.IndexOfAny((byte)'\n', (byte)'\r') < 0) return item;
        using var document = JsonDocument.Parse(item);
        var compact = new ArrayBufferWriter<byte>(item.Length);
        using (var writer = new Utf8JsonWriter(compact, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            document.WriteTo(writer);
        }
        return compact.WrittenMemory;
    }

    private static ConsumedCapacity? ReadConsumed(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        var consumed = new ConsumedCapacity();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("CapacityUnits"u8)) consumed.CapacityUnits = Number(ref reader);
            else if (reader.ValueTextEquals("ReadCapacityUnits"u8)) consumed.ReadCapacityUnits = Number(ref reader);
            else if (reader.ValueTextEquals("TableName"u8) && reader.Read()) consumed.TableName = reader.GetString();
            else if (reader.ValueTextEquals("Table"u8) && reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                var table = new Amazon.DynamoDBv2.Model.Capacity();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("CapacityUnits"u8)) table.CapacityUnits = Number(ref reader);
                    else if (reader.ValueTextEquals("ReadCapacityUnits"u8)) table.ReadCapacityUnits = Number(ref reader);
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
                consumed.Table = table;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return consumed;
    }

    private static double? Number(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : null;
    }

    private static void Expect(bool condition, string problem)
    {
        if (!condition) throw new InvalidDataException($"DynamoDB's response {problem}; nothing of it is used.");
    }

    /// <summary>The items of a page read as JSON, as the SDK's types when a host asks for them (parsed once, on first use).</summary>
    internal sealed class ParsedOnDemand(IReadOnlyList<ReadOnlyMemory<byte>> json) : IReadOnlyList<Dictionary<string, AttributeValue>>
    {
        private List<Dictionary<string, AttributeValue>>? _items;

        public int Count => json.Count;

        public Dictionary<string, AttributeValue> this[int index] => Items[index];

        public IEnumerator<Dictionary<string, AttributeValue>> GetEnumerator() => Items.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        /// <summary>The items, parsed.</summary>
        public List<Dictionary<string, AttributeValue>> Items
        {
            get
            {
                if (_items is null)
                {
                    var parser = new JsonItemParser(ItemFileFormat.DynamoDbJson);
                    _items = [.. json.Select(j => ParseItem(j.Span, parser))];
                }
                return _items;
            }
        }
    }
}
