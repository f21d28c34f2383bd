using System.Text.Json;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>
/// Reads JSON strings whose text may not be Unicode: invalid UTF-8 bytes, or an escape of half a UTF-16 surrogate pair
/// (<c>"b\ud800"</c>) that no string can hold. <see cref="Utf8JsonReader.GetString"/> throws an
/// <see cref="InvalidOperationException"/> worded for programmers for both; here each is a bad value that says what
/// is wrong in the file's own terms. Also parses a whole hand-written file (a schema) so that bad JSON names the file
/// and the place.
/// </summary>
internal static class JsonText
{
    /// <summary>The current string or property name of <paramref name="reader"/>.</summary>
    /// <param name="reader">Positioned on a string or a property name.</param>
    /// <param name="what">What the text is, for the message: "the S value", "an attribute name".</param>
    /// <exception cref="AttributePathException">The text is not valid Unicode.</exception>
    public static string GetString(ref Utf8JsonReader reader, string what)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException) when (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
        {
            throw new AttributePathException(Problem(reader.ValueSpan, reader.ValueIsEscaped, what));
        }
    }

    /// <summary>Why <paramref name="raw"/> (a JSON string's bytes as written, escapes included) cannot be read as text.</summary>
    public static string Problem(ReadOnlySpan<byte> raw, bool escaped, string what)
    {
        string written = Excerpt(System.Text.Encoding.UTF8.GetString(raw[..Math.Min(raw.Length, 160)]));
        return escaped && LoneSurrogate(raw) is { } escape
            ? $"{what} (\"{written}\") has the escape {escape}, half of a UTF-16 surrogate pair without its other half: not a character, and DynamoDB strings must be valid Unicode"
            : $"{what} (\"{written}\") is not valid UTF-8 text";
    }

    /// <summary>Options for a JSON file a person writes by hand (a schema file): comments and trailing commas are allowed.</summary>
    public static readonly JsonDocumentOptions HandWritten = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Parses <paramref name="json"/>, the whole text of <paramref name="source"/>, as one JSON document.</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">The file's name, for the message.</param>
    /// <param name="options">How strictly to read it (<see cref="HandWritten"/> for a schema file).</param>
    /// <exception cref="FormatException">"source: not valid JSON at line L, position P: reason", counted from the file's start.</exception>
    public static JsonDocument ParseDocument(string json, string source, JsonDocumentOptions options)
    {
        try
        {
            return JsonDocument.Parse(json, options);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: not valid JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}: {WithoutPosition(e)}", e);
        }
    }

    /// <summary>
    /// What a <see cref="JsonException"/> from a line of <paramref name="length"/> bytes means, without the reader's
    /// own line and position counters (a line of a file is one JSON text: its byte is what a person looks for).
    /// </summary>
    public static string Describe(JsonException e, int length)
    {
        if (e.BytePositionInLine >= length)
        {
            return "the JSON ends before the object is complete (truncated line)";
        }
        string message = WithoutPosition(e);
        return e.BytePositionInLine is { } position ? $"invalid JSON at byte {position + 1}: {message}" : $"invalid JSON: {message}";
    }

    /// <summary>The reader's message without its own line and byte counters (<c>LineNumber: 0 | BytePositionInLine: 1</c>), which count from where it started, not from the file's start.</summary>
    /// <remarks>The deserializer's "could not be converted to System.X" becomes "a value has the wrong JSON type", and its path (<c>$.itemCount</c>) the field's name.</remarks>
    public static string WithoutPosition(JsonException e)
    {
        string message = e.Message;
        foreach (var counter in (ReadOnlySpan<string>)[" Path:", " LineNumber:", " | "])
        {
            int cut = message.IndexOf(counter, StringComparison.Ordinal);
            if (cut >= 0) message = message[..cut];
        }
        message = message.TrimEnd('.', ' ');
        const string Converted = "The JSON value could not be converted to ";
        if (message.StartsWith(Converted, StringComparison.Ordinal))
        {
            // It names the type being read (often the enclosing object), not what the value should be.
            message = "a value has the wrong JSON type";
        }
        if (e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal))
        {
            message += $" (field {path[2..]})";
        }
        return message;
    }

    /// <summary>At most 40 characters of <paramref name="text"/>, for messages.</summary>
    public static string Excerpt(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 37), "...");

    /// <summary>The first <c>\uXXXX</c> escape in <paramref name="raw"/> that is a surrogate without its pair, as written; null when none is.</summary>
    internal static string? LoneSurrogate(ReadOnlySpan<byte> raw)
    {
        for (int i = 0; i < raw.Length - 1; i++)
        {
            if (raw[i] != (byte)'\\')
            {
                continue;
            }
            if (raw[i + 1] != (byte)'u' || !TryHex(raw, i + 2, out int unit))
            {
                i++; // a two-character escape such as \\ or \"
                continue;
            }
            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                // A high surrogate must be followed at once by an escaped low one.
                if (i + 12 <= raw.Length && raw[i + 6] == (byte)'\\' && raw[i + 7] == (byte)'u' && TryHex(raw, i + 8, out int low) && low is >= 0xDC00 and <= 0xDFFF)
                {
                    i += 11;
                    continue;
                }
                return System.Text.Encoding.ASCII.GetString(raw.Slice(i, 6));
            }
            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return System.Text.Encoding.ASCII.GetString(raw.Slice(i, 6));
            }
            i += 5;
        }
        return null;
    }

    private static bool TryHex(ReadOnlySpan<byte> raw, int start, out int value)
    {
        value = 0;
        if (start + 4 > raw.Length)
        {
            return false;
        }
        for (int i = start; i < start + 4; i++)
        {
            int digit = raw[i] switch
            {
                >= (byte)'0' and <= (byte)'9' => raw[i] - '0',
                >= (byte)'a' and <= (byte)'f' => raw[i] - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => raw[i] - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                return false;
            }
            value = (value << 4) | digit;
        }
        return true;
    }
}
