using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>
/// Parses one JSON object of the document formats into a record: <c>json</c> (a plain object, by DynamoDB's document
/// mapping: string S, number N with its text as written, true/false BOOL, null NULL, array L, object M; a schema's
/// types force others), <c>ddb-scan</c> (a DynamoDB-typed item, <c>{"id":{"S":"a"}}</c>) and <c>ddb-batch-write</c>
/// (a <c>{"PutRequest":{"Item":{...}}}</c> or <c>{"DeleteRequest":{"Key":{...}}}</c>). A bad object throws
/// <see cref="AttributePathException"/>; never a partial item.
/// </summary>
internal sealed class JsonDocumentParser
{
    /// <summary>DynamoDB nests 32 levels; plain JSON takes one JSON level for each.</summary>
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };
    private readonly ItemFileFormat _format;
    private readonly JsonItemParser _typed = new(ItemFileFormat.DataPipeline);
    private readonly Dictionary<string, AttributeKind>? _types;
    private readonly NameCache _names = new();
    private int _capacityHint = 8;

    /// <param name="format"><see cref="ItemFileFormat.Json"/>, <see cref="ItemFileFormat.DynamoDbScan"/> or <see cref="ItemFileFormat.DynamoDbBatchWrite"/>.</param>
    /// <param name="schema">For <c>json</c>: the attribute types to force (its <see cref="CsvSchema.Columns"/>, top-level attributes); null for the document mapping alone.</param>
    public JsonDocumentParser(ItemFileFormat format, CsvSchema? schema)
    {
        _format = format;
        if (schema is { Columns.Count: > 0 })
        {
            _types = schema.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        }
    }

    /// <summary>Parses one object (a line, or an element of an array) into a record.</summary>
    /// <exception cref="AttributePathException">It is not a valid item of the format; the message says why.</exception>
    public ItemRecord Parse(ReadOnlySpan<byte> json, long lineNumber)
    {
        try
        {
            return _format switch
            {
                ItemFileFormat.Json => new ItemRecord(ParsePlain(json), lineNumber),
                ItemFileFormat.DynamoDbBatchWrite => ParseRequest(json, lineNumber),
                _ => _typed.Parse(json, lineNumber),
            };
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

    private Dictionary<string, AttributeValue> ParsePlain(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new AttributePathException($"the value is {Describe(reader.TokenType)}, not an object of attributes");
        }
        var item = new Dictionary<string, AttributeValue>(_capacityHint);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            string name = reader.ValueIsEscaped ? JsonText.GetString(ref reader, "an attribute name") : _names.Get(reader.ValueSpan);
            Next(ref reader);
            try
            {
                var value = _types is not null && _types.TryGetValue(name, out var kind) ? ReadAs(ref reader, kind) : ReadPlain(ref reader);
                if (!item.TryAdd(name, value))
                {
                    throw new AttributePathException("appears twice in the object");
                }
            }
            catch (AttributePathException e)
            {
                throw e.Within(name);
            }
        }
        if (reader.Read())
        {
            throw new AttributePathException("there is more JSON after the object");
        }
        if (item.Count == 0)
        {
            throw new AttributePathException("the object has no attributes");
        }
        _capacityHint = item.Count;
        return item;
    }

    /// <summary>A plain JSON value by the document mapping.</summary>
    private AttributeValue ReadPlain(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new AttributeValue { S = JsonText.GetString(ref reader, "the string") };
            case JsonTokenType.Number:
                return new AttributeValue { N = ReadNumber(ref reader) };
            case JsonTokenType.True:
            case JsonTokenType.False:
                return new AttributeValue { BOOL = reader.TokenType == JsonTokenType.True };
            case JsonTokenType.Null:
                return new AttributeValue { NULL = true };
            case JsonTokenType.StartArray:
                var list = new List<AttributeValue>();
                while (Next(ref reader) != JsonTokenType.EndArray)
                {
                    try
                    {
                        list.Add(ReadPlain(ref reader));
                    }
                    catch (AttributePathException e)
                    {
                        throw e.Within($"[{list.Count}]");
                    }
                }
                return new AttributeValue { L = list };
            default:
                var map = new Dictionary<string, AttributeValue>();
                while (Next(ref reader) == JsonTokenType.PropertyName)
                {
                    string name = JsonText.GetString(ref reader, "an attribute name");
                    Next(ref reader);
                    try
                    {
                        if (!map.TryAdd(name, ReadPlain(ref reader)))
                        {
                            throw new AttributePathException("appears twice in the same object");
                        }
                    }
                    catch (AttributePathException e)
                    {
                        throw e.Within(name);
                    }
                }
                return new AttributeValue { M = map };
        }
    }

    /// <summary>A value the schema gives a type: a number kept in a string as N, arrays as sets, base64 strings as B.</summary>
    private AttributeValue ReadAs(ref Utf8JsonReader reader, AttributeKind kind)
    {
        var token = reader.TokenType;
        switch (kind)
        {
            case AttributeKind.S when token is JsonTokenType.String or JsonTokenType.Number:
                return new AttributeValue { S = token == JsonTokenType.Number ? Encoding.UTF8.GetString(reader.ValueSpan) : JsonText.GetString(ref reader, "the string") };
            case AttributeKind.N when token is JsonTokenType.String or JsonTokenType.Number:
                return new AttributeValue { N = ReadNumber(ref reader) };
            case AttributeKind.B when token == JsonTokenType.String:
                return new AttributeValue { B = new MemoryStream(DecodeBase64(ref reader)) };
            case AttributeKind.Bool when token is JsonTokenType.True or JsonTokenType.False:
            case AttributeKind.Null when token == JsonTokenType.Null:
            case AttributeKind.L when token == JsonTokenType.StartArray:
            case AttributeKind.M when token == JsonTokenType.StartObject:
                return ReadPlain(ref reader);
            case AttributeKind.SS or AttributeKind.NS or AttributeKind.BS when token == JsonTokenType.StartArray:
                return ReadSet(ref reader, kind);
            default:
                throw new AttributePathException($"the schema says {Name(kind)}, but the value is {Describe(token)}");
        }
    }

    private static AttributeValue ReadSet(ref Utf8JsonReader reader, AttributeKind kind)
    {
        var strings = new List<string>();
        var binaries = kind == AttributeKind.BS ? new List<MemoryStream>() : null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            int index = strings.Count;
            var token = reader.TokenType;
            bool fits = token == JsonTokenType.String || (kind == AttributeKind.NS && token == JsonTokenType.Number);
            if (!fits)
            {
                throw new AttributePathException($"the schema says {Name(kind)}, but element {index} is {Describe(token)}");
            }
            string element;
            if (binaries is not null)
            {
                var bytes = DecodeBase64(ref reader);
                binaries.Add(new MemoryStream(bytes));
                element = Convert.ToBase64String(bytes);
            }
            else
            {
                element = kind == AttributeKind.NS ? ReadNumber(ref reader) : JsonText.GetString(ref reader, $"element {index}");
            }
            strings.Add(element);
            // DynamoDB compares set numbers by value: "1.5" and "1.50" are the same element.
            if (!seen.Add(kind == AttributeKind.NS ? NumberText.Canonical(element) : element))
            {
                throw new AttributePathException($"the {Name(kind)} set has the element '{JsonText.Excerpt(element)}' twice; set elements must be distinct");
            }
        }
        if (strings.Count == 0)
        {
            throw new AttributePathException($"the {Name(kind)} set is empty; DynamoDB has no empty sets (leave the attribute out, or make it an L)");
        }
        return kind switch
        {
            AttributeKind.SS => new AttributeValue { SS = strings },
            AttributeKind.NS => new AttributeValue { NS = strings },
            _ => new AttributeValue { BS = binaries },
        };
    }

    /// <summary>A number's text exactly as written (a JSON number, or a string holding one), checked against DynamoDB's rules.</summary>
    private static string ReadNumber(ref Utf8JsonReader reader)
    {
        string text = reader.TokenType == JsonTokenType.Number
            ? Encoding.UTF8.GetString(reader.ValueSpan)
            : JsonText.GetString(ref reader, "the number").Trim();
        return NumberText.IsValid(text, out var reason) ? text : throw new AttributePathException($"'{JsonText.Excerpt(text)}' is not a DynamoDB number: {reason}");
    }

    private static byte[] DecodeBase64(ref Utf8JsonReader reader)
    {
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> text = reader.ValueSpan;
            if (reader.ValueIsEscaped)
            {
                rented = ArrayPool<byte>.Shared.Rent(text.Length);
                text = rented.AsSpan(0, reader.CopyString(rented));
            }
            var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(text.Length)];
            if (Base64.DecodeFromUtf8(text, bytes, out _, out int written) != OperationStatus.Done)
            {
                throw new AttributePathException($"the schema says binary, but '{JsonText.Excerpt(Encoding.UTF8.GetString(text))}' is not valid base64 (standard alphabet, '=' padding)");
            }
            return bytes.AsSpan(0, written).ToArray();
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary><c>{"PutRequest":{"Item":{...}}}</c> or <c>{"DeleteRequest":{"Key":{...}}}</c>: the typed map parsed by the typed parser.</summary>
    private ItemRecord ParseRequest(ReadOnlySpan<byte> json, long lineNumber)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || Next(ref reader) != JsonTokenType.PropertyName)
        {
            throw new AttributePathException(RequestShape);
        }
        bool put = reader.ValueTextEquals("PutRequest"u8);
        if (!put && !reader.ValueTextEquals("DeleteRequest"u8))
        {
            throw new AttributePathException($"the request is '{JsonText.Excerpt(JsonText.GetString(ref reader, "the request"))}'; {RequestShape}");
        }
        string inner = put ? "Item" : "Key";
        if (Next(ref reader) != JsonTokenType.StartObject || Next(ref reader) != JsonTokenType.PropertyName
            || !reader.ValueTextEquals(put ? "Item"u8 : "Key"u8) || Next(ref reader) != JsonTokenType.StartObject)
        {
            throw new AttributePathException($"a {(put ? "PutRequest" : "DeleteRequest")} must be {{\"{inner}\":{{...typed attributes...}}}}");
        }
        int start = (int)reader.TokenStartIndex;
        reader.Skip();
        var map = json[start..(int)reader.BytesConsumed];
        if (Next(ref reader) != JsonTokenType.EndObject || Next(ref reader) != JsonTokenType.EndObject || reader.Read())
        {
            throw new AttributePathException($"the request has more than its \"{inner}\"; {RequestShape}");
        }
        try
        {
            var item = _typed.Parse(map, lineNumber).Item;
            return new ItemRecord(item, lineNumber, put ? RecordOperation.Put : RecordOperation.Delete);
        }
        catch (AttributePathException e)
        {
            throw new AttributePathException($"{(put ? "PutRequest.Item" : "DeleteRequest.Key")}: {e.Reason}");
        }
    }

    private const string RequestShape = "each request must be {\"PutRequest\":{\"Item\":{...}}} or {\"DeleteRequest\":{\"Key\":{...}}}";

    private static JsonTokenType Next(ref Utf8JsonReader reader) => reader.Read()
        ? reader.TokenType
        : throw new AttributePathException("the JSON ends in the middle of the object (truncated)");

    /// <summary>A type's key as DynamoDB's JSON writes it: "S", "BOOL", "NULL".</summary>
    internal static string Name(AttributeKind kind) => kind switch
    {
        AttributeKind.Bool => "BOOL",
        AttributeKind.Null => "NULL",
        _ => kind.ToString(),
    };

    /// <summary>A JSON token in words: "a string", "an object".</summary>
    internal static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => "nothing",
    };
}
