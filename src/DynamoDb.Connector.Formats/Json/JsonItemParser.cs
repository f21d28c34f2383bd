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
/// string per line), transcoding it into the item's canonical DynamoDB JSON (an <see cref="EncodedItem"/>). Strict about structure (exactly one type key per value, strings where strings belong, valid
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

    /// <summary>
    /// Parses a non-blank line into a record. A data-pipeline or ddb-json line, and a ddb-json-incremental put without
    /// <c>Keys</c>, is read into its canonical DynamoDB JSON (<see cref="ItemRecord.Encoded"/>) in one pass, checked as
    /// it is written: its <see cref="ItemRecord.Item"/> is built from those bytes only when asked for.
    /// </summary>
    /// <exception cref="AttributePathException">The line is not a valid item of the format; the message says why.</exception>
    public ItemRecord Parse(ReadOnlySpan<byte> line, long lineNumber)
    {
        try
        {
            switch (format)
            {
                case ItemFileFormat.DataPipeline:
                    return ItemRecord.FromEncoded(ParseDataPipeline(line), lineNumber);
                case ItemFileFormat.DynamoDbJson:
                    return ItemRecord.FromEncoded(ParseDynamoDbJson(line), lineNumber);
                case ItemFileFormat.DynamoDbJsonIncremental:
                    return ParseIncremental(line, lineNumber);
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
        finally
        {
            _output.Truncate();
            _nameRanges.Clear(); // a bad line leaves the names of the maps it was in
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
            WriteMap(ref reader);
            EnsureEnd(ref reader);
            return Decode(_output.WrittenSpan, _names, _capacityHint);
        }
        catch (JsonException e)
        {
            throw new AttributePathException(JsonText.Describe(e, json.Length));
        }
        catch (InvalidOperationException e) when (e.InnerException is DecoderFallbackException)
        {
            throw new AttributePathException("a string is not valid UTF-8");
        }
        finally
        {
            _output.Truncate();
            _nameRanges.Clear(); // a bad line leaves the names of the maps it was in
        }
    }

    private EncodedItem ParseDataPipeline(ReadOnlySpan<byte> line)
    {
        int first = line.IndexOfAnyExcept(Blank);
        if (first >= 0 && line[first] != (byte)'{')
        {
            Remember(WriteLegacy(line[first..].TrimEnd(" \t"u8)));
            return Take(0, _output.Length);
        }
        var reader = new Utf8JsonReader(line, ReaderOptions);
        StartObject(ref reader);
        int count = WriteMap(ref reader);
        EnsureEnd(ref reader);
        Remember(count);
        return Take(0, _output.Length);
    }

    private EncodedItem ParseDynamoDbJson(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, ReaderOptions);
        StartObject(ref reader);
        int? count = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("Item"u8))
            {
                reader.Skip(); // dead-letter lines and other tools add fields next to "Item"
                continue;
            }
            if (count is not null)
            {
                throw new AttributePathException("the line has two \"Item\" fields");
            }
            if (Next(ref reader) != JsonTokenType.StartObject)
            {
                throw new AttributePathException($"\"Item\" is {JsonDocumentParser.Describe(reader.TokenType)}, not an object of attributes");
            }
            count = WriteMap(ref reader);
        }
        EnsureEnd(ref reader);
        Remember(count ?? throw new AttributePathException("the line has no \"Item\" object (a ddb-json line is {\"Item\":{...}})"));
        return Take(0, _output.Length);
    }

    private ItemRecord ParseIncremental(ReadOnlySpan<byte> line, long lineNumber)
    {
        var reader = new Utf8JsonReader(line, ReaderOptions);
        StartObject(ref reader);
        Written? keys = null, newImage = null;
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
            int start = _output.Length, count;
            try
            {
                count = WriteMap(ref reader);
            }
            catch (AttributePathException e)
            {
                throw e.Within(field);
            }
            var map = new Written(start, _output.Length, count);
            if (isNewImage) newImage = map;
            else keys = map;
        }
        EnsureEnd(ref reader);
        if (RequireKeysAndMetadata) EnsureNativeFields(keys is not null, metadata, written);
        if (newImage is { } put)
        {
            if (keys is { } key)
            {
                // Both are needed as items to compare them (native exports); the put is then the item built.
                var image = DecodeWritten(put);
                EnsureKeysMatch(DecodeWritten(key), image);
                Remember(put.Count);
                return new ItemRecord(image, lineNumber) { WriteTimestampMicros = written };
            }
            Remember(put.Count);
            return ItemRecord.FromEncoded(Take(put.Start, put.End), lineNumber, RecordOperation.Put, written);
        }
        if (keys is { } delete)
        {
            Remember(delete.Count);
            return new ItemRecord(DecodeWritten(delete), lineNumber, RecordOperation.Delete) { WriteTimestampMicros = written };
        }
        throw new AttributePathException("the line has neither \"NewImage\" nor \"Keys\"");
    }

    /// <summary>A map written into the output: where, and how many attributes it has.</summary>
    private readonly record struct Written(int Start, int End, int Count);

    private Dictionary<string, AttributeValue> DecodeWritten(Written map) =>
        Decode(_output.WrittenSpan[map.Start..map.End], _names, map.Count);

    /// <summary>The bytes written from <paramref name="start"/> to <paramref name="end"/>, as an item of their own.</summary>
    private EncodedItem Take(int start, int end) => new(_output.WrittenSpan[start..end].ToArray());

    /// <summary>What every line of a native incremental export carries: the changed item's key and the time of the change.</summary>
    private static void EnsureNativeFields(bool keys, bool metadata, long? written)
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
        if (!keys)
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
    /// The legacy Data Pipeline/Hive line: <c>name\x03{typed value}\x02name\x03{typed value}</c>, written as the
    /// canonical map of its attributes; returns their number. Split on the separators, never replaced inside values:
    /// JSON text cannot hold a raw 0x02 or 0x03 byte (control characters in strings must be escaped), so every such
    /// byte outside a name is a separator.
    /// </summary>
    private int WriteLegacy(ReadOnlySpan<byte> line)
    {
        _output.WriteByte((byte)'{');
        HashSet<long>? large = null;
        int count = 0;
        while (true)
        {
            int stx = line.IndexOf((byte)0x02);
            var part = stx < 0 ? line : line[..stx];
            int etx = part.IndexOf((byte)0x03);
            if (etx <= 0)
            {
                throw new AttributePathException(etx < 0
                    ? count == 0
                        ? "the line is neither a JSON object (it does not start with '{') nor a legacy Data Pipeline line (it has no \\x03 separator)"
                        : $"legacy line (not starting with '{{'): attribute {count + 1} has no \\x03 between its name and its value"
                    : $"legacy line (not starting with '{{'): attribute {count + 1} has an empty name");
            }
            string name = _names.Get(part[..etx]);
            if (count > 0) _output.WriteByte((byte)',');
            int start = _output.Length;
            _output.WriteString(name);
            long range = Range(start);
            _output.WriteByte((byte)':');
            try
            {
                var reader = new Utf8JsonReader(part[(etx + 1)..], ReaderOptions);
                if (!reader.Read())
                {
                    throw new AttributePathException("has no value after \\x03");
                }
                WriteValue(ref reader);
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
            if (!AddName(range, 0, ref large))
            {
                throw new AttributePathException("appears twice").Within(name);
            }
            count++;
            if (stx < 0)
            {
                _output.WriteByte((byte)'}');
                _nameRanges.Clear();
                return count;
            }
            line = line[(stx + 1)..];
        }
    }

    /// <summary>Refuses an item without attributes; remembers the count as the next item's capacity.</summary>
    private void Remember(int count)
    {
        if (count == 0)
        {
            throw new AttributePathException("the item has no attributes");
        }
        _capacityHint = count;
    }

    private static void StartObject(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new AttributePathException($"the line is {JsonDocumentParser.Describe(reader.TokenType)}, not a JSON object");
        }
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) => reader.Read()
        ? reader.TokenType
        : throw new AttributePathException("the line ends in the middle of the JSON (truncated)");

    private static void EnsureEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new AttributePathException("there is more JSON after the object");
        }
    }

    private static string Excerpt(string text) => JsonText.Excerpt(text);
}
