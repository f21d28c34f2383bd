using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>
/// Parses one line of a JSON item format straight from its UTF-8 bytes with <see cref="Utf8JsonReader"/> (no DOM, no
/// string per line). Strict about structure (exactly one type key per value, strings where strings belong, valid
/// numbers and base64, distinct set elements, nothing after the object), lenient about spelling (type keys in any case,
/// <c>nULLValue</c>). A line that is not a valid item throws <see cref="AttributePathException"/>; never a partial item.
/// One instance per reader: it caches attribute names (not thread-safe). The line readers of
/// <see cref="ItemFiles"/> use it; a host parses single items with it (<c>new JsonItemParser(ItemFileFormat.DynamoDbJson).Parse(utf8, 1).Item</c>).
/// </summary>
/// <param name="format">The JSON item format of the lines: data-pipeline, ddb-json or ddb-json-incremental.</param>
public sealed partial class JsonItemParser(ItemFileFormat format)
{
    /// <summary>DynamoDB nests 32 levels; each takes two JSON levels. 256 leaves room and still bounds the recursion.</summary>
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };
    private static readonly SearchValues<byte> Blank = SearchValues.Create(" \t"u8);
    private const int SmallSet = 16;
    private readonly NameCache _names = new();
    private int _capacityHint = 8;

    /// <summary>
    /// For ddb-json-incremental lines of a native DynamoDB export (<see cref="ItemReaderOptions.NativeExport"/>): each
    /// must carry <c>Keys</c> and <c>Metadata.WriteTimestampMicros</c>, as DynamoDB writes every line. Files this tool
    /// writes have no write time to give, so without it both stay optional.
    /// </summary>
    internal bool RequireKeysAndMetadata { get; init; }

    /// <summary>Whether a line holds only spaces and tabs (treated like an empty line).</summary>
    public static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(Blank) < 0;

    /// <summary>Parses a non-blank line into a record.</summary>
    /// <exception cref="AttributePathException">The line is not a valid item of the format; the message says why.</exception>
    public ItemRecord Parse(ReadOnlySpan<byte> line, long lineNumber)
    {
        try
        {
            switch (format)
            {
                case ItemFileFormat.DataPipeline:
                    return new ItemRecord(ParseDataPipeline(line), lineNumber);
                case ItemFileFormat.DynamoDbJson:
                    return new ItemRecord(ParseDynamoDbJson(line), lineNumber);
                case ItemFileFormat.DynamoDbJsonIncremental:
                    var (item, operation, written) = ParseIncremental(line);
                    return new ItemRecord(item, lineNumber, operation) { WriteTimestampMicros = written };
                default:
                    throw new NotSupportedException($"The {format.ToName()} format is not a JSON item format.");
            }
        }
        catch (JsonException e)
        {
            throw new AttributePathException(JsonText.Describe(e, line.Length));
        }
        catch (InvalidOperationException e) when (e.InnerException is DecoderFallbackException)
        {
            throw new AttributePathException("a string is not valid UTF-8");
        }
    }

    /// <summary>Parses a bare DynamoDB JSON map (<c>{"id":{"S":"a"}}</c>, no <c>Item</c> around it).</summary>
    /// <exception cref="AttributePathException">The bytes are not a valid map; the message says why.</exception>
    internal Dictionary<string, AttributeValue> ParseMap(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            StartObject(ref reader);
            var item = ReadMap(ref reader, _capacityHint);
            EnsureEnd(ref reader);
            return item;
        }
        catch (JsonException e)
        {
            throw new AttributePathException(JsonText.Describe(e, json.Length));
        }
        catch (InvalidOperationException e) when (e.InnerException is DecoderFallbackException)
        {
            throw new AttributePathException("a string is not valid UTF-8");
        }
    }

    private Dictionary<string, AttributeValue> ParseDataPipeline(ReadOnlySpan<byte> line)
    {
        int first = line.IndexOfAnyExcept(Blank);
        if (first >= 0 && line[first] != (byte)'{')
        {
            return Remember(ParseLegacy(line[first..].TrimEnd(" \t"u8)));
        }
        var reader = new Utf8JsonReader(line, ReaderOptions);
        StartObject(ref reader);
        var item = ReadMap(ref reader, _capacityHint);
        EnsureEnd(ref reader);
        return Remember(item);
    }

    private Dictionary<string, AttributeValue> ParseDynamoDbJson(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, ReaderOptions);
        StartObject(ref reader);
        Dictionary<string, AttributeValue>? item = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("Item"u8))
            {
                reader.Skip(); // dead-letter lines and other tools add fields next to "Item"
                continue;
            }
            if (item is not null)
            {
                throw new AttributePathException("the line has two \"Item\" fields");
            }
            if (Next(ref reader) != JsonTokenType.StartObject)
            {
                throw new AttributePathException($"\"Item\" is {JsonDocumentParser.Describe(reader.TokenType)}, not an object of attributes");
            }
            item = ReadMap(ref reader, _capacityHint);
        }
        EnsureEnd(ref reader);
        return Remember(item ?? throw new AttributePathException("the line has no \"Item\" object (a ddb-json line is {\"Item\":{...}})"));
    }

    private (Dictionary<string, AttributeValue> Item, RecordOperation Operation, long? WriteTimestampMicros) ParseIncremental(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, ReaderOptions);
        StartObject(ref reader);
        Dictionary<string, AttributeValue>? keys = null, newImage = null;
        long? written = null;
        bool metadata = false;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Metadata"u8))
            {
                metadata = true;
                written = ReadWriteTimestamp(ref reader);
                continue;
            }
            bool isNewImage = reader.ValueTextEquals("NewImage"u8);
            if (!isNewImage && !reader.ValueTextEquals("Keys"u8))
            {
                reader.Skip(); // OldImage and anything else
                continue;
            }
            string field = isNewImage ? "NewImage" : "Keys";
            if (isNewImage ? newImage is not null : keys is not null)
            {
                throw new AttributePathException($"the line has two \"{field}\" fields");
            }
            var token = Next(ref reader);
            if (token == JsonTokenType.Null)
            {
                continue; // an absent image
            }
            if (token != JsonTokenType.StartObject)
            {
                throw new AttributePathException($"\"{field}\" is {JsonDocumentParser.Describe(token)}, not an object of attributes");
            }
            Dictionary<string, AttributeValue> map;
            try
            {
                map = ReadMap(ref reader, _capacityHint);
            }
            catch (AttributePathException e)
            {
                throw e.Within(field);
            }
            if (isNewImage) newImage = map;
            else keys = map;
        }
        EnsureEnd(ref reader);
        if (RequireKeysAndMetadata) EnsureNativeFields(keys, metadata, written);
        if (newImage is not null)
        {
            if (keys is not null) EnsureKeysMatch(keys, newImage);
            return (Remember(newImage), RecordOperation.Put, written);
        }
        if (keys is not null)
        {
            return (Remember(keys), RecordOperation.Delete, written);
        }
        throw new AttributePathException("the line has neither \"NewImage\" nor \"Keys\"");
    }

    /// <summary>What every line of a native incremental export carries: the changed item's key and the time of the change.</summary>
    private static void EnsureNativeFields(Dictionary<string, AttributeValue>? keys, bool metadata, long? written)
    {
        const string Native = "every line of a native incremental export has";
        if (!metadata)
        {
            throw new AttributePathException($"the line has no \"Metadata\", which {Native}: its \"WriteTimestampMicros\" orders the changes to one key, so the line cannot be applied in the right order");
        }
        if (written is null)
        {
            throw new AttributePathException($"\"Metadata\" has no \"WriteTimestampMicros\" ({{\"N\":\"<microseconds>\"}}), which {Native}: without it the change cannot be applied in the right order");
        }
        if (keys is null)
        {
            throw new AttributePathException($"the line has no \"Keys\" (the changed item's key), which {Native}");
        }
    }

    /// <summary>A put's <c>Keys</c> are its item's key: each must be in <c>NewImage</c> with the same value, or the line says two things.</summary>
    private static void EnsureKeysMatch(Dictionary<string, AttributeValue> keys, Dictionary<string, AttributeValue> newImage)
    {
        foreach (var (name, key) in keys)
        {
            if (!newImage.TryGetValue(name, out var value))
            {
                throw new AttributePathException($"\"Keys\" has the key attribute '{Excerpt(name)}', which \"NewImage\" lacks");
            }
            if (!ItemComparer.Values.Equals(key, value))
            {
                throw new AttributePathException($"\"Keys\" and \"NewImage\" disagree on the key attribute '{Excerpt(name)}'");
            }
        }
    }

    /// <summary>
    /// <c>Metadata</c>'s <c>WriteTimestampMicros</c> (<c>{"N":"..."}</c>), which orders the changes to one key; null
    /// when Metadata does not have it. A value that is there but not a whole number is an error, not a guess.
    /// </summary>
    private static long? ReadWriteTimestamp(ref Utf8JsonReader reader)
    {
        if (Next(ref reader) != JsonTokenType.StartObject)
        {
            reader.Skip(); // not an object: nothing to read in it
            return null;
        }
        long? written = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("WriteTimestampMicros"u8))
            {
                reader.Skip();
                continue;
            }
            const string Expected = "\"Metadata\".\"WriteTimestampMicros\" must be {\"N\":\"<microseconds>\"}";
            if (Next(ref reader) != JsonTokenType.StartObject || Next(ref reader) != JsonTokenType.PropertyName || !reader.ValueTextEquals("N"u8)
                || Next(ref reader) != JsonTokenType.String || !Utf8Parser.TryParse(reader.ValueSpan, out long micros, out int used) || used != reader.ValueSpan.Length
                || Next(ref reader) != JsonTokenType.EndObject)
            {
                throw new AttributePathException(Expected);
            }
            written = micros;
        }
        return written;
    }

    /// <summary>
    /// The legacy Data Pipeline/Hive line: <c>name\x03{typed value}\x02name\x03{typed value}</c>. Split on the
    /// separators, never replaced inside values: JSON text cannot hold a raw 0x02 or 0x03 byte (control characters
    /// in strings must be escaped), so every such byte outside a name is a separator.
    /// </summary>
    private Dictionary<string, AttributeValue> ParseLegacy(ReadOnlySpan<byte> line)
    {
        var item = new Dictionary<string, AttributeValue>(_capacityHint);
        while (true)
        {
            int stx = line.IndexOf((byte)0x02);
            var part = stx < 0 ? line : line[..stx];
            int etx = part.IndexOf((byte)0x03);
            if (etx <= 0)
            {
                throw new AttributePathException(etx < 0
                    ? item.Count == 0
                        ? "the line is neither a JSON object (it does not start with '{') nor a legacy Data Pipeline line (it has no \\x03 separator)"
                        : $"legacy line (not starting with '{{'): attribute {item.Count + 1} has no \\x03 between its name and its value"
                    : $"legacy line (not starting with '{{'): attribute {item.Count + 1} has an empty name");
            }
            string name = _names.Get(part[..etx]);
            AttributeValue value;
            try
            {
                var reader = new Utf8JsonReader(part[(etx + 1)..], ReaderOptions);
                if (!reader.Read())
                {
                    throw new AttributePathException("has no value after \\x03");
                }
                value = ReadValue(ref reader);
                EnsureEnd(ref reader);
            }
            catch (AttributePathException e)
            {
                throw e.Within(name);
            }
            catch (JsonException e)
            {
                throw new AttributePathException(JsonText.Describe(e, part.Length - etx - 1)).Within(name);
            }
            if (!item.TryAdd(name, value))
            {
                throw new AttributePathException("appears twice").Within(name);
            }
            if (stx < 0)
            {
                return item;
            }
            line = line[(stx + 1)..];
        }
    }

    private Dictionary<string, AttributeValue> Remember(Dictionary<string, AttributeValue> item)
    {
        if (item.Count == 0)
        {
            throw new AttributePathException("the item has no attributes");
        }
        _capacityHint = item.Count;
        return item;
    }
}
