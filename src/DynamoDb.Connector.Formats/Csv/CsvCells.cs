using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Csv;

/// <summary>One CSV cell to and from a DynamoDB value, per the column's type (rules on <see cref="CsvSchema"/>).</summary>
internal static class CsvCells
{
    private static readonly string[] TypeNames = ["", "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"];
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly JsonWriterOptions JsonWriting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };

    /// <summary>The schema-file name of a type: S, N, B, BOOL, NULL, SS, NS, BS, L or M.</summary>
    public static string TypeName(AttributeKind kind) => TypeNames[(int)kind];

    /// <summary>Parses a type name (any case).</summary>
    public static bool TryParseTypeName(string? name, out AttributeKind kind)
    {
        for (int i = 1; i < TypeNames.Length; i++)
        {
            if (string.Equals(TypeNames[i], name, StringComparison.OrdinalIgnoreCase))
            {
                kind = (AttributeKind)i;
                return true;
            }
        }
        kind = AttributeKind.Empty;
        return false;
    }

    /// <summary>
    /// Reads one cell: its UTF-8 bytes with quotes already removed, and whether it was quoted in the file (a quoted
    /// empty S or B cell is an empty value). True with <paramref name="value"/> null means the attribute is left out
    /// (an empty cell, unless <see cref="CsvEmptyCells.Null"/> makes it NULL); false means the cell does not hold its type, and <paramref name="reason"/> says why (without
    /// the column name).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> cell, bool quoted, AttributeKind type, CsvSchema schema, out AttributeValue? value, out string? reason)
    {
        value = null;
        reason = null;
        if (type is AttributeKind.S or AttributeKind.SS)
        {
            if (cell.IsEmpty)
            {
                if (type == AttributeKind.S && (quoted || schema.EmptyCells == CsvEmptyCells.EmptyString))
                {
                    value = new AttributeValue { S = "" };
                }
                else if (schema.EmptyCells == CsvEmptyCells.Null)
                {
                    value = new AttributeValue { NULL = true };
                }
                return true;
            }
            if (!TryDecode(cell, out var text, out reason))
            {
                return false;
            }
            value = type == AttributeKind.S ? new AttributeValue { S = text } : new AttributeValue { SS = [.. text.Split(schema.ListDelimiter)] };
            return true;
        }
        if (type == AttributeKind.B && cell.IsEmpty && quoted)
        {
            value = new AttributeValue { B = new MemoryStream([]) };
            return true;
        }
        var trimmed = cell.Trim(" \t"u8);
        if (trimmed.IsEmpty)
        {
            if (schema.EmptyCells == CsvEmptyCells.Null) value = new AttributeValue { NULL = true };
            return true;
        }
        switch (type)
        {
            case AttributeKind.Bool:
                if (Ascii.EqualsIgnoreCase(trimmed, "true"u8)) value = new AttributeValue { BOOL = true };
                else if (Ascii.EqualsIgnoreCase(trimmed, "false"u8)) value = new AttributeValue { BOOL = false };
                else reason = $"'{Excerpt(trimmed)}' is not true or false";
                return value is not null;
            case AttributeKind.Null:
                if (Ascii.EqualsIgnoreCase(trimmed, "null"u8) || Ascii.EqualsIgnoreCase(trimmed, "true"u8))
                {
                    value = new AttributeValue { NULL = true };
                    return true;
                }
                reason = $"'{Excerpt(trimmed)}' is not null (a NULL column holds null or true)";
                return false;
            case AttributeKind.L:
            case AttributeKind.M:
                return TryReadJson(trimmed, type, out value, out reason);
        }
        if (!TryDecode(trimmed, out var cellText, out reason))
        {
            return false;
        }
        switch (type)
        {
            case AttributeKind.N:
                if (!NumberText.IsValid(cellText, out reason)) return false;
                value = new AttributeValue { N = cellText };
                return true;
            case AttributeKind.B:
                if (!TryBase64(cellText, out var bytes, out reason)) return false;
                value = new AttributeValue { B = new MemoryStream(bytes) };
                return true;
            case AttributeKind.NS:
                var numbers = new List<string>();
                foreach (var element in cellText.Split(schema.ListDelimiter))
                {
                    string number = element.Trim(' ', '\t');
                    if (!NumberText.IsValid(number, out reason))
                    {
                        reason = $"number set element {numbers.Count + 1}: {reason}";
                        return false;
                    }
                    numbers.Add(number);
                }
                value = new AttributeValue { NS = numbers };
                return true;
            case AttributeKind.BS:
                var blobs = new List<MemoryStream>();
                foreach (var element in cellText.Split(schema.ListDelimiter))
                {
                    if (!TryBase64(element.Trim(' ', '\t'), out var blob, out reason))
                    {
                        reason = $"binary set element {blobs.Count + 1}: {reason}";
                        return false;
                    }
                    blobs.Add(new MemoryStream(blob));
                }
                value = new AttributeValue { BS = blobs };
                return true;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "not a CSV column type");
        }
    }

    /// <summary>
    /// The cell text of <paramref name="value"/> in a column of type <paramref name="type"/> (before CSV quoting), and
    /// whether it must be quoted even when empty (an empty string or empty binary, kept apart from a missing value).
    /// </summary>
    /// <exception cref="NotSupportedException">The value does not fit the column, or CSV cannot hold it; the message names the attribute.</exception>
    public static string Write(string name, AttributeValue value, AttributeKind type, CsvSchema schema, out bool quoteWhenEmpty)
    {
        quoteWhenEmpty = false;
        var kind = AttributeValues.KindOf(value);
        if (kind != type)
        {
            throw new NotSupportedException(kind == AttributeKind.Empty
                ? $"Attribute '{name}' has no type set."
                : $"Attribute '{name}' is {TypeName(kind)} but its CSV column is {TypeName(type)}.");
        }
        switch (kind)
        {
            case AttributeKind.S:
                quoteWhenEmpty = true;
                return value.S;
            case AttributeKind.N:
                return value.N;
            case AttributeKind.B:
                quoteWhenEmpty = true;
                return Convert.ToBase64String(AttributeValues.BytesOf(value.B));
            case AttributeKind.Bool:
                return value.BOOL == true ? "true" : "false";
            case AttributeKind.Null:
                return "null";
            case AttributeKind.SS:
                if (value.SS is [""])
                {
                    throw new NotSupportedException($"Attribute '{name}' is a string set holding only an empty string; its CSV cell would read back as no value.");
                }
                return JoinSet(name, value.SS, schema.ListDelimiter);
            case AttributeKind.NS:
                return JoinSet(name, value.NS, schema.ListDelimiter);
            case AttributeKind.BS:
                return JoinSet(name, value.BS.Select(b => Convert.ToBase64String(AttributeValues.BytesOf(b))).ToList(), schema.ListDelimiter);
            default:
                var buffer = new ArrayBufferWriter<byte>();
                using (var writer = new Utf8JsonWriter(buffer, JsonWriting))
                {
                    WriteJson(writer, value, name);
                }
                return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    private static string JoinSet(string name, List<string> elements, char delimiter)
    {
        if (elements.Count == 0)
        {
            throw new NotSupportedException($"Attribute '{name}' is an empty set; DynamoDB does not allow one and CSV would read it back as no value.");
        }
        foreach (var element in elements)
        {
            if (element.Contains(delimiter, StringComparison.Ordinal))
            {
                throw new NotSupportedException($"Attribute '{name}' has a set element holding the list delimiter '{delimiter}' ('{Excerpt(element)}'); choose another listDelimiter.");
            }
        }
        return string.Join(delimiter, elements);
    }

    private static void WriteJson(Utf8JsonWriter writer, AttributeValue value, string path)
    {
        switch (AttributeValues.KindOf(value))
        {
            case AttributeKind.S:
                writer.WriteStringValue(value.S);
                break;
            case AttributeKind.N:
                try
                {
                    writer.WriteRawValue(value.N);
                }
                catch (Exception e) when (e is JsonException or ArgumentException)
                {
                    throw new NotSupportedException($"Attribute '{path}' holds the number '{Excerpt(value.N)}', which is not a JSON number; CSV writes lists and maps as plain JSON.", e);
                }
                break;
            case AttributeKind.Bool:
                writer.WriteBooleanValue(value.BOOL == true);
                break;
            case AttributeKind.Null:
                writer.WriteNullValue();
                break;
            case AttributeKind.L:
                writer.WriteStartArray();
                for (int i = 0; i < value.L.Count; i++)
                {
                    WriteJson(writer, value.L[i], $"{path}[{i}]");
                }
                writer.WriteEndArray();
                break;
            case AttributeKind.M:
                writer.WriteStartObject();
                foreach (var (key, inner) in value.M)
                {
                    writer.WritePropertyName(key);
                    WriteJson(writer, inner, $"{path}.{key}");
                }
                writer.WriteEndObject();
                break;
            case var kind:
                throw new NotSupportedException(kind == AttributeKind.Empty
                    ? $"Attribute '{path}' has no type set."
                    : $"Attribute '{path}' is {TypeName(kind)} inside a list or map; CSV writes lists and maps as plain JSON, which cannot hold {TypeName(kind)}.");
        }
    }

    private static bool TryReadJson(ReadOnlySpan<byte> json, AttributeKind type, out AttributeValue? value, out string? reason)
    {
        value = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            reader.Read();
            var expected = type == AttributeKind.L ? JsonTokenType.StartArray : JsonTokenType.StartObject;
            if (reader.TokenType != expected)
            {
                reason = $"expected a JSON {(type == AttributeKind.L ? "array" : "object")}, found '{Excerpt(json)}'";
                return false;
            }
            value = ReadJsonValue(ref reader);
            if (reader.Read())
            {
                reason = "text after the JSON value";
                value = null;
                return false;
            }
            reason = null;
            return true;
        }
        catch (JsonException e)
        {
            reason = Json.JsonText.Describe(e, json.Length);
        }
        catch (FormatException e)
        {
            reason = e.Message;
        }
        catch (Json.AttributePathException e)
        {
            reason = e.Reason;
        }
        value = null;
        return false;
    }

    private static AttributeValue ReadJsonValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new AttributeValue { S = Json.JsonText.GetString(ref reader, "a JSON string") };
            case JsonTokenType.Number:
                string number = Encoding.UTF8.GetString(reader.ValueSpan);
                return NumberText.IsValid(number, out var reason) ? new AttributeValue { N = number } : throw new FormatException(reason);
            case JsonTokenType.True:
                return new AttributeValue { BOOL = true };
            case JsonTokenType.False:
                return new AttributeValue { BOOL = false };
            case JsonTokenType.Null:
                return new AttributeValue { NULL = true };
            case JsonTokenType.StartArray:
                var list = new List<AttributeValue>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    list.Add(ReadJsonValue(ref reader));
                }
                return new AttributeValue { L = list };
            case JsonTokenType.StartObject:
                var map = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    string key = Json.JsonText.GetString(ref reader, "a JSON object key");
                    reader.Read();
                    if (!map.TryAdd(key, ReadJsonValue(ref reader)))
                    {
                        throw new FormatException($"key '{key}' appears twice in a JSON object");
                    }
                }
                return new AttributeValue { M = map };
            default:
                throw new FormatException($"unexpected JSON token {reader.TokenType}");
        }
    }

    private static bool TryDecode(ReadOnlySpan<byte> bytes, out string text, out string? reason)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            reason = null;
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            reason = "not valid UTF-8";
            return false;
        }
    }

    private static bool TryBase64(string text, out byte[] bytes, out string? reason)
    {
        try
        {
            bytes = Convert.FromBase64String(text);
            reason = null;
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            reason = $"'{Excerpt(text)}' is not valid base64";
            return false;
        }
    }

    private static string Excerpt(ReadOnlySpan<byte> bytes) => Excerpt(Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 200)]));

    private static string Excerpt(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");
}
